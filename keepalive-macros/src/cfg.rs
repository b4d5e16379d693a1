//! `#[cfg]` predicates the macro cannot evaluate (it runs before cfg stripping, on the host)
//! but can combine and hand back to rustc: the impl for each socket field is emitted under
//! the cfgs in which that field is the one that survives.

use proc_macro2::TokenStream;
use quote::quote;

#[derive(Clone)]
pub(crate) enum Pred {
    True,
    False,
    /// What is inside one `cfg(...)`.
    Atom(TokenStream),
    All(Vec<Pred>),
    Any(Vec<Pred>),
    Not(Box<Pred>),
}

impl Pred {
    pub(crate) fn all(preds: impl IntoIterator<Item = Pred>) -> Pred {
        let mut out = Vec::new();
        for p in preds {
            match p {
                Pred::True => {}
                Pred::False => return Pred::False,
                Pred::All(inner) => out.extend(inner),
                p => out.push(p),
            }
        }
        match out.len() {
            0 => Pred::True,
            1 => out.pop().unwrap(),
            _ => Pred::All(out),
        }
    }

    pub(crate) fn any(preds: impl IntoIterator<Item = Pred>) -> Pred {
        let mut out = Vec::new();
        for p in preds {
            match p {
                Pred::False => {}
                Pred::True => return Pred::True,
                Pred::Any(inner) => out.extend(inner),
                p => out.push(p),
            }
        }
        match out.len() {
            0 => Pred::False,
            1 => out.pop().unwrap(),
            _ => Pred::Any(out),
        }
    }

    pub(crate) fn not(self) -> Pred {
        match self {
            Pred::True => Pred::False,
            Pred::False => Pred::True,
            Pred::Not(inner) => *inner,
            p => Pred::Not(Box::new(p)),
        }
    }

    pub(crate) fn is_true(&self) -> bool {
        matches!(self, Pred::True)
    }

    pub(crate) fn is_false(&self) -> bool {
        matches!(self, Pred::False)
    }

    fn tokens(&self) -> TokenStream {
        match self {
            Pred::True => quote!(all()),
            Pred::False => quote!(any()),
            Pred::Atom(t) => t.clone(),
            Pred::All(v) => {
                let v = v.iter().map(Pred::tokens);
                quote!(all(#(#v),*))
            }
            Pred::Any(v) => {
                let v = v.iter().map(Pred::tokens);
                quote!(any(#(#v),*))
            }
            Pred::Not(p) => {
                let p = p.tokens();
                quote!(not(#p))
            }
        }
    }

    /// `#[cfg(...)]`, or nothing where the predicate always holds.
    pub(crate) fn attr(&self) -> Option<TokenStream> {
        (!self.is_true()).then(|| {
            let t = self.tokens();
            quote!(#[cfg(#t)])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Pred;
    use quote::quote;

    #[test]
    fn constants_fold_and_atoms_stay() {
        assert!(Pred::all([Pred::True, Pred::True]).is_true());
        assert!(Pred::all([Pred::Atom(quote!(unix)), Pred::False]).is_false());
        assert!(Pred::any([Pred::False, Pred::True.not()]).is_false());
        let p = Pred::all([Pred::Atom(quote!(unix)), Pred::Atom(quote!(windows)).not()]);
        assert_eq!(
            p.attr().unwrap().to_string(),
            quote!(#[cfg(all(unix, not(windows)))]).to_string()
        );
    }
}
