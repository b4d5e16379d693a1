//! Applies keepalive-core's rules to the attribute. No rule and no message lives here that
//! core does not own, except for the macro-only key `apply`.
//!
//! Literal values are checked now. Platform limits become `compile_error!`s behind
//! `#[cfg(target_os = ...)]`, so they hold for the target being compiled, not the host
//! running the macro. Values behind a const path are checked during constant evaluation.

use keepalive_core::{
    Knob, PLATFORMS, Policy, Violation, check_detection, check_knob, check_knob_on,
    check_user_timeout,
};
use proc_macro2::TokenStream;

use crate::attr::{Attrs, Spot, Value};
use crate::ctxt::Ctxt;

/// A violation that only some targets have.
pub(crate) struct CfgError {
    pub(crate) target_os: &'static [&'static str],
    pub(crate) message: String,
    pub(crate) spot: Spot,
}

/// A check left to constant evaluation, spanned at the user's token.
pub(crate) enum ConstCheck {
    /// Zero and the compiled target's limits for one knob.
    Knob(Knob, Spot),
    /// `user_timeout` against `timeout + interval × retries`.
    UserTimeout(Spot),
    /// `max_detect`.
    Detection(Spot),
    /// `bounds = path`.
    Bounds(Spot),
}

#[derive(Default)]
pub(crate) struct Checks {
    pub(crate) cfg_errors: Vec<CfgError>,
    pub(crate) const_checks: Vec<ConstCheck>,
}

/// The policy made of the literal values only.
pub(crate) fn literal_policy(attrs: &Attrs) -> Policy {
    let mut policy = if attrs.enabled() {
        Policy::new()
    } else {
        Policy::disabled()
    };
    if let Some(d) = attrs.timeout.as_ref().and_then(Value::literal) {
        policy = policy.with_timeout(d);
    }
    if let Some(d) = attrs.interval.as_ref().and_then(Value::literal) {
        policy = policy.with_interval(d);
    }
    if let Some(n) = attrs.retries.as_ref().and_then(Value::literal) {
        policy = policy.with_retries(n);
    }
    if let Some(d) = attrs.user_timeout.as_ref().and_then(Value::literal) {
        policy = policy.with_user_timeout(d);
    }
    policy
}

pub(crate) fn check(cx: &Ctxt, attrs: &Attrs) -> Checks {
    let mut checks = Checks::default();
    if !attrs.enabled() {
        disabled(cx, attrs);
        if let Some(path) = &attrs.bounds {
            checks.const_checks.push(ConstCheck::Bounds(Spot::of(path)));
        }
        return checks;
    }
    let policy = literal_policy(attrs);
    // A timing that is missing or wrong is reported once, at its value; the checks that
    // combine timings would only report it again elsewhere.
    let mut combinable = !attrs.unreadable_timing;
    for knob in Knob::ALL {
        let Some(tokens) = attrs.knob_tokens(knob) else {
            continue;
        };
        let spot = Spot::of(tokens);
        if attrs.knob_is_const(knob) {
            checks.const_checks.push(ConstCheck::Knob(knob, spot));
            continue;
        }
        if let Some(v) = check_knob(&policy, knob) {
            report(cx, attrs, &v, None);
            combinable = false;
            continue;
        }
        for platform in PLATFORMS {
            if let Some(v) = check_knob_on(&policy, knob, platform) {
                if attrs.best_effort && matches!(v, Violation::Unsupported { .. }) {
                    // Opted in: the runtime leaves the knob out there and reports it.
                    continue;
                }
                checks.cfg_errors.push(CfgError {
                    target_os: platform.target_os,
                    message: v.to_string(),
                    spot,
                });
            }
        }
    }
    let any_const = Knob::ALL.iter().any(|k| attrs.knob_is_const(*k));
    if !combinable {
        if let Some(path) = &attrs.bounds {
            checks.const_checks.push(ConstCheck::Bounds(Spot::of(path)));
        }
        return checks;
    }
    if let (Some(user_timeout), Some(_)) = (&attrs.user_timeout, &attrs.retries) {
        if any_const {
            checks
                .const_checks
                .push(ConstCheck::UserTimeout(Spot::of(user_timeout.tokens())));
        } else if let Some(v) = check_user_timeout(&policy) {
            report(cx, attrs, &v, Some(user_timeout.tokens()));
        }
    }
    if let Some(bound) = &attrs.max_detect {
        match bound.literal() {
            Some(bound) if !any_const => {
                if let Some(v) = check_detection(&policy, bound) {
                    let at = attrs.max_detect.as_ref().map(Value::tokens);
                    // The missing knob is not written, so the bound is where to look.
                    cx.error_spanned_by(at.unwrap_or_default(), v);
                }
            }
            _ => checks
                .const_checks
                .push(ConstCheck::Detection(Spot::of(bound.tokens()))),
        }
    }
    if let Some(path) = &attrs.bounds {
        checks.const_checks.push(ConstCheck::Bounds(Spot::of(path)));
    }
    checks
}

/// `enabled = false`: every other policy key is an error, through core's messages.
fn disabled(cx: &Ctxt, attrs: &Attrs) {
    for knob in Knob::ALL {
        if let Some(tokens) = attrs.knob_tokens(knob) {
            cx.error_spanned_by(tokens, Violation::DisabledWith { knob });
        }
    }
    if let Some(max_detect) = &attrs.max_detect {
        let v = check_detection(&Policy::disabled(), core::time::Duration::ZERO);
        if let Some(v) = v {
            cx.error_spanned_by(max_detect.tokens(), v);
        }
    }
    if let Some((_, tokens)) = &attrs.apply {
        cx.error_spanned_by(
            tokens,
            "`enabled = false` turns keep-alive off, so `apply` would have no effect; remove `apply`, or remove `enabled = false` to keep keep-alive on",
        );
    }
}

/// A platform-independent violation, spanned on the value of the knob at fault.
fn report(cx: &Ctxt, attrs: &Attrs, v: &Violation, fallback: Option<TokenStream>) {
    let at = v
        .knob()
        .and_then(|k| attrs.knob_tokens(k))
        .or(fallback)
        .unwrap_or_default();
    cx.error_spanned_by(at, v);
}
