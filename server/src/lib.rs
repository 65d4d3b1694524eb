//! redline-server: the sync server. Devices post their changed automerge
//! documents; the server validates each change set on a fork, merges it,
//! and feeds every device the changes in its scope. Photos travel as
//! content-addressed blobs. Storage is SQLite (default) or PostgreSQL.

pub mod admin;
pub mod app;
pub mod auth;
pub mod blobs;
pub mod config;
pub mod error;
pub mod feed;
pub mod merge;
pub mod seed;
pub mod state;
pub mod storage;
pub mod sync_route;
