//! Conversions between this crate's access types and those of the
//! [`landlock`] crate (rust-landlock), behind the `landlock` feature.
//!
//! Bits have the same meaning on both sides (the uapi's), so a set built
//! with `landlock` converts to ours without loss, and ours converts back
//! unless it holds a bit the `landlock` crate does not know (a newer
//! kernel's right, shown as `bit<N>` in the tree): [`UnknownBits`].
//!
//! ```
//! use landlock::BitFlags;
//! use landlock_audit::AccessFs;
//!
//! let theirs: BitFlags<landlock::AccessFs> = landlock::AccessFs::Execute | landlock::AccessFs::Refer;
//! let ours = AccessFs::from(theirs);
//! assert_eq!(ours, AccessFs::EXECUTE | AccessFs::REFER);
//! assert_eq!(BitFlags::<landlock::AccessFs>::try_from(ours), Ok(theirs));
//! assert!(BitFlags::<landlock::AccessFs>::try_from(AccessFs::from_bits_retain(1 << 40)).is_err());
//! ```

use landlock::BitFlags;

use crate::types::{AccessFs, AccessNet, Scope};

/// A set holds bits that the `landlock` crate does not name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("access bits {bits:#x} unknown to the landlock crate")]
pub struct UnknownBits {
    /// The bits without a `landlock` counterpart.
    pub bits: u64,
}

macro_rules! convert {
    ($ours:ty, $theirs:ty) => {
        impl From<BitFlags<$theirs>> for $ours {
            fn from(b: BitFlags<$theirs>) -> Self {
                <$ours>::from_bits_retain(b.bits())
            }
        }

        impl From<$theirs> for $ours {
            fn from(b: $theirs) -> Self {
                <$ours>::from(BitFlags::from(b))
            }
        }

        impl TryFrom<$ours> for BitFlags<$theirs> {
            type Error = UnknownBits;

            fn try_from(a: $ours) -> Result<Self, UnknownBits> {
                BitFlags::<$theirs>::from_bits(a.bits()).map_err(|e| UnknownBits {
                    bits: e.invalid_bits(),
                })
            }
        }
    };
}

convert!(AccessFs, landlock::AccessFs);
convert!(AccessNet, landlock::AccessNet);
convert!(Scope, landlock::Scope);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AccessNames;

    #[test]
    fn every_named_fs_bit_round_trips() {
        for n in 0..64 {
            let Some(name) = AccessFs::bit_name(n) else {
                continue;
            };
            let ours = AccessFs::from_bits_retain(1 << n);
            let theirs = BitFlags::<landlock::AccessFs>::try_from(ours)
                .unwrap_or_else(|e| panic!("fs {name}: {e}"));
            assert_eq!(theirs.iter().count(), 1, "{name}");
            let flag = theirs.iter().next().unwrap();
            assert_eq!(format!("{flag:?}").to_lowercase(), name.replace('_', ""));
            assert_eq!(AccessFs::from(flag), ours);
        }
        let all = BitFlags::<landlock::AccessFs>::all();
        assert_eq!(AccessFs::from(all), AccessFs::all(), "same named bits");
    }

    #[test]
    fn every_named_net_and_scope_bit_round_trips() {
        for n in 0..64 {
            if let Some(name) = AccessNet::bit_name(n) {
                let ours = AccessNet::from_bits_retain(1 << n);
                let flag = BitFlags::<landlock::AccessNet>::try_from(ours)
                    .unwrap()
                    .iter()
                    .next()
                    .unwrap();
                assert_eq!(format!("{flag:?}").to_lowercase(), name.replace('_', ""));
                assert_eq!(AccessNet::from(flag), ours);
            }
            if let Some(name) = Scope::bit_name(n) {
                let ours = Scope::from_bits_retain(1 << n);
                let flag = BitFlags::<landlock::Scope>::try_from(ours)
                    .unwrap()
                    .iter()
                    .next()
                    .unwrap();
                assert_eq!(format!("{flag:?}").to_lowercase(), name.replace('_', ""));
                assert_eq!(Scope::from(flag), ours);
            }
        }
        assert_eq!(
            AccessNet::from(BitFlags::<landlock::AccessNet>::all()),
            AccessNet::all()
        );
        assert_eq!(
            Scope::from(BitFlags::<landlock::Scope>::all()),
            Scope::all()
        );
    }

    #[test]
    fn unknown_bits_do_not_convert() {
        let e = BitFlags::<landlock::AccessNet>::try_from(
            AccessNet::BIND_TCP | AccessNet::from_bits_retain(1 << 9),
        )
        .unwrap_err();
        assert_eq!(e.bits, 1 << 9);
        assert!(BitFlags::<landlock::Scope>::try_from(Scope::from_bits_retain(1 << 5)).is_err());
    }
}
