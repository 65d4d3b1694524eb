//! Stable text codes of the domain's enums: what a database column, a URL
//! filter or a wire field holds for a role, a state or a kind. One trait so
//! that storage adapters (the phone's SQLite, the server's backends) convert
//! every typed state the same way, instead of each matching strings.

/// An enum with a fixed, documented text code per variant.
pub trait Code: Sized + Copy + 'static {
    /// Every variant, in a stable order.
    const ALL: &'static [Self];
    /// What the enum is, for error messages ("hazard state").
    const WHAT: &'static str;

    fn code(self) -> &'static str;

    fn from_code(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == s)
    }
}

/// Implements [`Code`] from a list of `Variant => "code"` pairs, and the
/// inherent `as_str` and `parse` the rest of the code calls.
#[macro_export]
macro_rules! codes {
    ($ty:ty, $what:literal, { $($variant:ident => $code:literal),+ $(,)? }) => {
        impl $crate::code::Code for $ty {
            const ALL: &'static [Self] = &[$(<$ty>::$variant),+];
            const WHAT: &'static str = $what;
            fn code(self) -> &'static str {
                match self { $(<$ty>::$variant => $code),+ }
            }
        }
        impl $ty {
            pub fn as_str(self) -> &'static str {
                $crate::code::Code::code(self)
            }
            pub fn parse(s: &str) -> Option<Self> {
                <Self as $crate::code::Code>::from_code(s)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::Code;
    use crate::doc::DocKind;
    use crate::hazard::{HazardState, ListingLevel};
    use crate::inspection::{Grade, InspectionKind, InspectionStatus, Outcome};
    use crate::people::Role;

    /// Each code round-trips and equals the serde name, so JSON, SQL and the
    /// wire agree on every value.
    fn roundtrip<T: Code + serde::Serialize + PartialEq + std::fmt::Debug>() {
        for v in T::ALL {
            assert_eq!(T::from_code(v.code()), Some(*v));
            assert_eq!(serde_json::to_value(v).unwrap(), serde_json::Value::String(v.code().into()), "{}", T::WHAT);
        }
        assert_eq!(T::from_code("no such code"), None);
    }

    #[test]
    fn codes_roundtrip_and_match_serde() {
        roundtrip::<Role>();
        roundtrip::<InspectionKind>();
        roundtrip::<InspectionStatus>();
        roundtrip::<Grade>();
        roundtrip::<Outcome>();
        roundtrip::<HazardState>();
        roundtrip::<ListingLevel>();
        roundtrip::<DocKind>();
    }
}
