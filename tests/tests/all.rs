//! Every integration test of the workspace, in one binary: hyper, axum, tonic and reqwest
//! are linked once, not once per file. Each module is the file of the same name beside this
//! one, so a test's path (`runtime_apply::ipv6_loopback`) names its file.
//!
//! A test that needs the whole process to itself (its environment, its descriptor count, a
//! network namespace) re-runs itself alone in a child process: `support::alone` and
//! `support::netns::in_private_netns`.

mod support;

mod build_bounds;
mod connect_handshake;
mod connection_shapes;
mod core_grammar;
mod db_clients;
mod dead_peer_in_flight;
mod error_os_code;
mod integrations;
mod inventory;
mod load_dead_peers;
mod load_listener;
mod middlebox_conntrack;
mod overrides;
mod overrides_env;
mod platform_linux;
mod platform_readme;
mod policy_inputs;
mod runtime_alloc;
mod runtime_apply;
mod runtime_dead_peer;
mod runtime_faults;
mod status_dead_peer;
mod status_held_policy;
mod status_states;
mod watch_axum;
mod watch_export;
mod watch_paths;
mod watch_phases;
mod watch_pools;
mod windows_apply;
mod windows_harness;
