//! Keep-alive bounds an organisation publishes for its services. A struct opts in with
//! `#[keepalive(bounds = keepalive_org_policy::PRODUCTION, ...)]`; a violation is a compile
//! error naming this crate and the bound.

use core::time::Duration;

use keepalive_runtime::Bounds;

/// Production services: keep-alive on, idle at most 10 min, probes at most 30 s apart,
/// 3 to 10 probes, user timeout at most 5 min, a dead peer noticed within 2 min.
pub const PRODUCTION: Bounds = Bounds::new(env!("CARGO_PKG_NAME"), "PRODUCTION")
    .with_enabled_required()
    .with_max_timeout(Duration::from_secs(600))
    .with_max_interval(Duration::from_secs(30))
    .with_min_retries(3)
    .with_max_retries(10)
    .with_max_user_timeout(Duration::from_secs(300))
    .with_max_detection(Duration::from_secs(120));

/// Internal tools: keep-alive on, nothing else prescribed.
pub const INTERNAL: Bounds =
    Bounds::new(env!("CARGO_PKG_NAME"), "INTERNAL").with_enabled_required();

/// A shared timeout for services that take the organisation's default.
pub const IDLE: Duration = Duration::from_secs(60);
