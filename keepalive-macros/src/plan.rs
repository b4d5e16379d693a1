//! The checked plan of one attribute: read once from the parsed attribute and item, checked
//! by keepalive-core's rules once, and read by `expand` (the tokens) and `doc` (the words).

use keepalive_core::{Knob, Policy};

use crate::ast::Input;
use crate::attr::{ApplyAt, Attrs, Value};
use crate::ctxt::Ctxt;
use crate::valid::{self, Checks};

pub(crate) struct Plan<'a> {
    /// The attribute as read: the user's tokens (const paths, spans) the output repeats.
    pub(crate) attrs: &'a Attrs,
    /// The policy of the literal values; a knob behind a const path is absent here and
    /// in [`Plan::const_knobs`].
    pub(crate) policy: Policy,
    /// The knobs written as const paths, known only to constant evaluation.
    pub(crate) const_knobs: Vec<Knob>,
    /// When the connect paths apply the options.
    pub(crate) apply: ApplyAt,
    /// The socket field of each configuration, or `None` where it could not be found (the
    /// error is in the context).
    pub(crate) input: Option<Input<'a>>,
    /// What the rules left to the target (`#[cfg]` errors) and to constant evaluation.
    pub(crate) checks: Checks,
    /// The policy in words, for the type's rustdoc.
    pub(crate) words: String,
}

impl<'a> Plan<'a> {
    pub(crate) fn new(cx: &Ctxt, attrs: &'a Attrs, input: Option<Input<'a>>) -> Plan<'a> {
        let policy = literal_policy(attrs);
        let const_knobs: Vec<Knob> = Knob::ALL
            .into_iter()
            .filter(|&k| attrs.knob_is_const(k))
            .collect();
        let checks = valid::check(cx, attrs, &policy, &const_knobs);
        let mut plan = Plan {
            attrs,
            policy,
            const_knobs,
            apply: attrs
                .apply
                .as_ref()
                .map_or(ApplyAt::BeforeConnect, |(a, _)| *a),
            input,
            checks,
            words: String::new(),
        };
        plan.words = crate::doc::in_words(&plan);
        plan
    }

    pub(crate) fn any_const_knob(&self) -> bool {
        !self.const_knobs.is_empty()
    }
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
