//! redline-server: the binary's own parts, configuration, start-up and
//! serving connections. The
//! API is `redline-api`, storage `redline-storage` with its two backends,
//! administration `redline-admin`.

pub mod app;
pub mod config;
pub mod serve;
