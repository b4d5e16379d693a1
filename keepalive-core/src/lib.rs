//! The keep-alive policy model behind the `#[keepalive]` attribute: one duration grammar,
//! one [`Policy`], one platform table and one set of rules, used by the macro while a crate
//! compiles and by the runtime for values that arrive while it runs.
//!
//! ```
//! use keepalive_core::rules::validate;
//! use keepalive_core::{parse_duration, Policy, LINUX};
//!
//! let policy = Policy::new()
//!     .with_timeout(parse_duration("2h")?)
//!     .with_interval(parse_duration("1s")?)
//!     .with_retries(10);
//! assert_eq!(validate(&policy, Some(&LINUX)), Ok(()));
//!
//! let too_long = Policy::new().with_timeout(parse_duration("10h")?);
//! let errors = validate(&too_long, Some(&LINUX)).unwrap_err();
//! assert!(errors[0].to_string().contains("maximum Linux accepts for TCP_KEEPIDLE (32767 s)"));
//! # Ok::<(), keepalive_core::DurationError>(())
//! ```
//!
//! The rules are one module, [`rules`], with one driver, [`rules::check`].
//!
//! This crate has no dependencies and does no I/O.

mod bounds;
mod duration;
pub mod keys;
mod knob;
mod messages;
pub mod middlebox;
mod overrides;
pub mod plan;
mod platform;
mod policy;
pub mod rules;
mod setting;
mod text;
mod violation;

pub use bounds::{BoundKind, BoundViolation, Bounds};
pub use duration::{
    DurationError, DurationErrorKind, FormattedDuration, TimeUnit, format_duration, parse_duration,
};
pub use knob::{Knob, KnobValue};
pub use messages::write_violations;
pub use overrides::{OverrideError, PolicyOverride, Sides, policy_key};
pub use plan::{ApplyPlan, Role, Step};
pub use platform::{
    ANDROID, APPLE, DRAGONFLY, FREEBSD, ILLUMOS, InFlight, LINUX, NETBSD, OPENBSD, OptionSpec,
    PLATFORMS, Platform, Support, TARGET, Unit, WINDOWS,
};
pub use policy::{Detection, DetectionError, Policy};
pub use setting::{BUILD_BOUNDS_VAR, SettingError, SettingErrorKind};
pub use text::{Message, SHOWN_CHARS, shown};
pub use violation::{Certified, Violation};
