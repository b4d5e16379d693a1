//! The policy in words, for the rustdoc of the annotated type.

use keepalive_core::{Knob, format_duration};
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::quote;

use crate::attr::Value;
use crate::plan::Plan;

/// "keep-alive: idle 2h, then a probe every 1s, 5 probes; an idle dead peer is detected within
/// 2h 5s". A value behind a const path is shown as its path.
pub(crate) fn in_words(plan: &Plan<'_>) -> String {
    let (attrs, policy) = (plan.attrs, &plan.policy);
    if !attrs.enabled() {
        return "keep-alive: off (`enabled = false`)".to_owned();
    }
    let shown = |knob: Knob| -> Option<String> {
        if attrs.knob_is_const(knob) {
            let path = match knob {
                Knob::Retries => attrs.retries.as_ref().map(Value::tokens),
                _ => attrs.time(knob).map(Value::tokens),
            };
            return path.map(|p| format!("`{}`", p.to_string().replace(' ', "")));
        }
        match knob {
            Knob::Retries => policy.retries().map(|n| n.to_string()),
            _ => policy
                .get(knob)
                .and_then(|v| match v {
                    keepalive_core::KnobValue::Time(d) => Some(d),
                    keepalive_core::KnobValue::Count(_) => None,
                })
                .map(|d| format_duration(d).to_string()),
        }
    };
    let timeout = shown(Knob::Timeout);
    let interval = shown(Knob::Interval);
    let retries = shown(Knob::Retries);
    let user_timeout = shown(Knob::UserTimeout);
    if [&timeout, &interval, &retries, &user_timeout]
        .iter()
        .all(|v| v.is_none())
    {
        return "keep-alive: on, every timing left to the OS".to_owned();
    }
    let mut out = String::from("keep-alive: ");
    match &timeout {
        Some(t) => out.push_str(&format!("idle {t}")),
        None => out.push_str("idle time left to the OS"),
    }
    match &interval {
        Some(i) => out.push_str(&format!(", then a probe every {i}")),
        None => out.push_str(", probe interval left to the OS"),
    }
    match &retries {
        Some(n) if n == "1" => out.push_str(", 1 probe"),
        Some(n) => out.push_str(&format!(", {n} probes")),
        None => out.push_str(", probe count left to the OS"),
    }
    if let Some(u) = &user_timeout {
        out.push_str(&format!(
            "; sent data unacknowledged for {u} ends the connection"
        ));
    }
    if plan.any_const_knob() {
        out.push_str("; worst-case detection: `POLICY.detection_on(&platform)`");
        return out;
    }
    // The same on every target: the macro runs on the build host, so nothing here may
    // depend on the platform table's row for the target. The probe sequence bounds an idle
    // connection everywhere; with data in flight only some kernels probe (PLATFORMS.md), so
    // the words claim the idle case alone.
    let idle = match (policy.timeout(), policy.interval(), policy.retries()) {
        (Some(t), Some(i), Some(n)) => i.checked_mul(n).and_then(|probes| t.checked_add(probes)),
        _ => None,
    };
    match idle {
        Some(d) => out.push_str(&format!(
            "; an idle dead peer is detected within {}",
            format_duration(d)
        )),
        None => out.push_str("; the worst-case detection time rests on OS defaults"),
    }
    out
}

/// The item with `#[doc = words]` after its own attributes, so its own documentation comes
/// first and the policy follows as a paragraph of its own. An item with no docs of its own
/// stays undocumented (`missing_docs` still fires on it): the words come back for the impl.
pub(crate) fn with_doc(
    item: TokenStream,
    words: &str,
    public: bool,
) -> (TokenStream, Option<TokenStream>) {
    let line = format!(" {words}.");
    let mut tokens = item.into_iter().peekable();
    let mut out = TokenStream::new();
    let mut documented = false;
    // Outer attributes: `#` then a `[...]` group.
    loop {
        match tokens.peek() {
            Some(TokenTree::Punct(p)) if p.as_char() == '#' => {
                let hash = tokens.next();
                match tokens.next() {
                    Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket => {
                        documented |= g.stream().to_string().starts_with("doc");
                        out.extend(hash);
                        out.extend([TokenTree::Group(g)]);
                    }
                    other => {
                        out.extend(hash);
                        out.extend(other);
                        break;
                    }
                }
            }
            _ => break,
        }
    }
    if !documented && public {
        out.extend(tokens);
        return (out, Some(quote!(#[doc = #line])));
    }
    let blank = documented.then(|| quote!(#[doc = ""]));
    out.extend(quote!(#blank #[doc = #line]));
    out.extend(tokens);
    (out, None)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::ctxt::Ctxt;

    fn words(args: proc_macro2::TokenStream) -> String {
        let cx = Ctxt::new();
        let attrs = crate::attr::parse(&cx, args);
        let words = crate::plan::Plan::new(&cx, &attrs, None).words;
        cx.check().unwrap();
        words
    }

    #[test]
    fn each_shape_of_policy_in_words() {
        assert_eq!(
            words(quote!(timeout = "2h", interval = "1s", retries = 5)),
            "keep-alive: idle 2h, then a probe every 1s, 5 probes; an idle dead peer is detected within 2h 5s"
        );
        assert_eq!(
            words(quote!()),
            "keep-alive: on, every timing left to the OS"
        );
        assert_eq!(
            words(quote!(enabled = false)),
            "keep-alive: off (`enabled = false`)"
        );
        assert_eq!(
            words(quote!(timeout = "30s")),
            "keep-alive: idle 30s, probe interval left to the OS, probe count left to the OS; the worst-case detection time rests on OS defaults"
        );
        assert_eq!(
            words(quote!(
                timeout = "1s",
                interval = "1s",
                retries = 3,
                user_timeout = "4s"
            )),
            "keep-alive: idle 1s, then a probe every 1s, 3 probes; sent data unacknowledged for 4s ends the connection; an idle dead peer is detected within 4s"
        );
        assert_eq!(
            words(quote!(timeout = limits::IDLE, retries = 1)),
            "keep-alive: idle `limits::IDLE`, probe interval left to the OS, 1 probe; worst-case detection: `POLICY.detection_on(&platform)`"
        );
    }

    /// The macro runs on the build host: the words hold for every target. With a user
    /// timeout of 2.5 s Linux ends the connection at the third probe (3 s, PLATFORMS.md),
    /// other kernels at the end of the probes (4 s); the words give the bound that holds
    /// everywhere, and claim it for idle connections only.
    #[test]
    fn the_words_do_not_depend_on_the_host() {
        let text = words(quote!(
            timeout = "1s",
            interval = "1s",
            retries = 3,
            user_timeout = "2500ms"
        ));
        assert!(
            text.ends_with("an idle dead peer is detected within 4s"),
            "{text}"
        );
        let linux = keepalive_core::LINUX;
        let policy = crate::plan::literal_policy(&{
            let cx = Ctxt::new();
            let attrs = crate::attr::parse(
                &cx,
                quote!(
                    timeout = "1s",
                    interval = "1s",
                    retries = 3,
                    user_timeout = "2500ms"
                ),
            );
            cx.check().unwrap();
            attrs
        });
        // Linux's own figure differs, so a host-computed figure would show here.
        assert_ne!(
            policy.detection_on(&linux).map(|d| d.idle),
            Ok(core::time::Duration::from_secs(4))
        );
    }

    #[test]
    fn the_words_follow_the_items_own_docs() {
        let (out, _) = super::with_doc(
            quote!(
                #[doc = " A connection."]
                #[derive(Debug)]
                pub struct Conn;
            ),
            "keep-alive: on",
            true,
        );
        assert_eq!(
            out.to_string(),
            quote!(
                #[doc = " A connection."]
                #[derive(Debug)]
                #[doc = ""]
                #[doc = " keep-alive: on."]
                pub struct Conn;
            )
            .to_string()
        );
    }
}
