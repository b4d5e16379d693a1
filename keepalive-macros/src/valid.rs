//! Runs keepalive-core's one rule driver on the attribute. No rule and no message lives
//! here that core does not own, except for the macro-only keys `apply` and
//! `detect_idle_only`.
//!
//! Literal values are checked now: once without a platform (the rules that hold
//! everywhere, reported directly), then once per row of the platform table, whose
//! target-specific violations become `compile_error!`s behind `#[cfg(target_os = ...)]`, so
//! they hold for the target being compiled, not the host running the macro. Values behind
//! a const path, and `bounds`, are checked during constant evaluation by the same driver.

use core::time::Duration;

use keepalive_core::rules::{self, Enforcement, Topic};
use keepalive_core::{Knob, PLATFORMS, Policy, Violation};
use proc_macro2::TokenStream;

use crate::attr::{Attrs, Spot, Value};
use crate::ctxt::Ctxt;

/// A violation that only some targets have; `expand` writes its message.
pub(crate) struct CfgError {
    pub(crate) target_os: &'static [&'static str],
    pub(crate) violation: Violation,
    pub(crate) spot: Spot,
}

/// A check left to constant evaluation: the driver's first violation about `topic`,
/// spanned at the user's token.
pub(crate) struct ConstCheck {
    pub(crate) topic: Topic,
    pub(crate) spot: Spot,
}

#[derive(Default)]
pub(crate) struct Checks {
    pub(crate) cfg_errors: Vec<CfgError>,
    pub(crate) const_checks: Vec<ConstCheck>,
}

/// A value standing in for a knob written as a const path, where only its presence matters
/// (`enabled = false` beside it).
const PRESENT: Duration = Duration::from_secs(1);

/// What the attribute enforces, as far as literals say: `max_detect` (when a literal),
/// `detect_idle_only`, `best_effort`. `bounds` is a path, checked by constant evaluation.
fn literal_enforcement(attrs: &Attrs) -> Enforcement {
    let mut enforcement = Enforcement::new()
        .with_best_effort(attrs.best_effort)
        .with_detect_idle_only(attrs.detect_idle_only);
    match &attrs.max_detect {
        Some(Value::Lit { value, .. }) => enforcement = enforcement.with_max_detect(*value),
        // Unknown until constant evaluation; any bound makes the presence-based rules
        // (every term written, keep-alive on) checkable now.
        Some(Value::Const { .. }) => enforcement = enforcement.with_max_detect(Duration::MAX),
        None => {}
    }
    enforcement
}

/// The rules on the attribute: errors that hold everywhere into `cx`, the rest returned.
/// `literal` is the policy of the literal values, `const_knobs` the knobs behind a path.
pub(crate) fn check(cx: &Ctxt, attrs: &Attrs, literal: &Policy, const_knobs: &[Knob]) -> Checks {
    let mut checks = Checks::default();
    // An unreadable `max_detect` was reported at its value already.
    if attrs.detect_idle_only && attrs.max_detect.is_none() && !attrs.unreadable_timing {
        cx.error_spanned_by(
            attrs.detect_idle_only_tokens.clone().unwrap_or_default(),
            "`detect_idle_only` qualifies `max_detect`, which is not written; add `max_detect = \"...\"` or remove `detect_idle_only`",
        );
    }
    let max_detect_const = matches!(attrs.max_detect, Some(Value::Const { .. }));
    // Rules over several values wait for constant evaluation when one of them is a path.
    let whole_policy_known = const_knobs.is_empty();
    let mut policy = *literal;
    if !attrs.enabled() {
        // Only presence matters beside `enabled = false`.
        for &knob in const_knobs {
            policy = match knob {
                Knob::Retries => policy.with_retries(1),
                _ => policy
                    .with(knob, keepalive_core::KnobValue::Time(PRESENT))
                    .unwrap_or(policy),
            };
        }
        if let Some((_, tokens)) = &attrs.apply {
            cx.error_spanned_by(
                tokens,
                "`enabled = false` turns keep-alive off, so `apply` would have no effect; remove `apply`, or remove `enabled = false` to keep keep-alive on",
            );
        }
        // Beside `enabled = false` only `bounds` (which may require keep-alive on) and
        // `crate` mean anything; `best_effort` would leave out knobs that are not there.
        if let (true, Some(tokens)) = (attrs.best_effort, &attrs.best_effort_tokens) {
            cx.error_spanned_by(
                tokens,
                "`enabled = false` turns keep-alive off, so `best_effort` would have no effect; remove `best_effort`, or remove `enabled = false` to keep keep-alive on",
            );
        }
    }
    let enforcement = literal_enforcement(attrs);
    // A timing that is missing or wrong is reported once, at its value; the rules that
    // combine timings would only report it again elsewhere.
    let general = rules::check(&policy, None, &enforcement);
    let combinable = !attrs.unreadable_timing
        && !general
            .iter()
            .any(|v| matches!(v.topic(), Topic::Knob(_)) && attrs.enabled());
    let combines = |v: &Violation| matches!(v.topic(), Topic::UserTimeout | Topic::Detection);
    let deferred = |v: &Violation| {
        let about_many = matches!(
            v.topic(),
            Topic::UserTimeout | Topic::Detection | Topic::Bounds
        );
        // A bound behind a path: the whole detection rule runs in constant evaluation.
        let detection_deferred = matches!(v.topic(), Topic::Detection) && max_detect_const;
        (!combinable && combines(v))
            || (attrs.enabled() && ((about_many && !whole_policy_known) || detection_deferred))
    };
    for v in general.iter() {
        if !deferred(v) {
            cx.error_spanned_by(spot_tokens(attrs, v), v);
        }
    }
    if attrs.enabled() {
        for platform in PLATFORMS {
            for v in rules::check(&policy, Some(platform), &enforcement).iter() {
                if v.is_platform_specific() && !deferred(v) {
                    checks.cfg_errors.push(CfgError {
                        target_os: platform.target_os,
                        violation: *v,
                        spot: Spot::of(spot_tokens(attrs, v)),
                    });
                }
            }
        }
    }
    if attrs.enabled() {
        for &knob in const_knobs {
            if let Some(tokens) = attrs.knob_tokens(knob) {
                checks.const_checks.push(ConstCheck {
                    topic: Topic::Knob(knob),
                    spot: Spot::of(tokens),
                });
            }
        }
        if !whole_policy_known && combinable {
            if let (Some(user_timeout), Some(_)) = (&attrs.user_timeout, &attrs.retries) {
                checks.const_checks.push(ConstCheck {
                    topic: Topic::UserTimeout,
                    spot: Spot::of(user_timeout.tokens()),
                });
            }
        }
        if let Some(bound) = &attrs.max_detect {
            if combinable && (!whole_policy_known || max_detect_const) {
                checks.const_checks.push(ConstCheck {
                    topic: Topic::Detection,
                    spot: Spot::of(bound.tokens()),
                });
            }
        }
    }
    if let Some(path) = &attrs.bounds {
        checks.const_checks.push(ConstCheck {
            topic: Topic::Bounds,
            spot: Spot::of(path),
        });
    }
    checks
}

/// The tokens a violation points at: the knob's value, else the key the rule is about.
fn spot_tokens(attrs: &Attrs, v: &Violation) -> TokenStream {
    let detection = || attrs.max_detect.as_ref().map(Value::tokens);
    let at = match v {
        Violation::BestEffortUncertified { .. } => attrs.best_effort_tokens.clone(),
        Violation::UserTimeoutDisagrees { .. } | Violation::UserTimeoutNeeds { .. } => {
            attrs.user_timeout.as_ref().map(Value::tokens)
        }
        // The missing knob is not written, so the bound is where to look.
        Violation::DetectionNeeds { .. }
        | Violation::DetectionDisabled
        | Violation::DetectionAbove { .. }
        | Violation::DetectionInFlight { .. }
        | Violation::DetectionOverflow => detection(),
        _ => v.knob().and_then(|k| attrs.knob_tokens(k)),
    };
    at.or_else(detection).unwrap_or_default()
}
