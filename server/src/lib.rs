//! redline-server: the binary's own parts, configuration and start-up. The
//! API is `redline-api`, storage `redline-storage` with its two backends,
//! administration `redline-admin`.

pub mod app;
pub mod config;
