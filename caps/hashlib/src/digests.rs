//! The algorithms by Python's names: the fixed-output digests (and HMAC over them) behind one
//! object-safe trait, and the two SHAKE extendable-output functions.

use digest::{Digest, ExtendableOutput, FixedOutput, KeyInit, Update, XofReader};

/// Calls `$f::<D, M>($args…)` with `D` the fixed-output digest type Python names `$name` and `M`
/// its HMAC type, giving `Some` of its result, or `None` when `$name` names none. `M` is `Hmac`
/// (over the digest's core: PBKDF2-SHA256 runs ~1.4× faster with it than with `SimpleHmac`)
/// for every digest but BLAKE2, whose cores `Hmac` does not take.
macro_rules! with_digest {
    ($name:expr, $f:ident($($arg:expr),*)) => {
        match $name {
            "md5" => Some($f::<md5::Md5, hmac::Hmac<md5::Md5>>($($arg),*)),
            "sha1" => Some($f::<sha1::Sha1, hmac::Hmac<sha1::Sha1>>($($arg),*)),
            "sha224" => Some($f::<sha2::Sha224, hmac::Hmac<sha2::Sha224>>($($arg),*)),
            "sha256" => Some($f::<sha2::Sha256, hmac::Hmac<sha2::Sha256>>($($arg),*)),
            "sha384" => Some($f::<sha2::Sha384, hmac::Hmac<sha2::Sha384>>($($arg),*)),
            "sha512" => Some($f::<sha2::Sha512, hmac::Hmac<sha2::Sha512>>($($arg),*)),
            "sha512_224" => Some($f::<sha2::Sha512_224, hmac::Hmac<sha2::Sha512_224>>($($arg),*)),
            "sha512_256" => Some($f::<sha2::Sha512_256, hmac::Hmac<sha2::Sha512_256>>($($arg),*)),
            "sha3_224" => Some($f::<sha3::Sha3_224, hmac::Hmac<sha3::Sha3_224>>($($arg),*)),
            "sha3_256" => Some($f::<sha3::Sha3_256, hmac::Hmac<sha3::Sha3_256>>($($arg),*)),
            "sha3_384" => Some($f::<sha3::Sha3_384, hmac::Hmac<sha3::Sha3_384>>($($arg),*)),
            "sha3_512" => Some($f::<sha3::Sha3_512, hmac::Hmac<sha3::Sha3_512>>($($arg),*)),
            "blake2b" => Some($f::<blake2::Blake2b512, hmac::SimpleHmac<blake2::Blake2b512>>($($arg),*)),
            "blake2s" => Some($f::<blake2::Blake2s256, hmac::SimpleHmac<blake2::Blake2s256>>($($arg),*)),
            _ => None,
        }
    };
}
pub(crate) use with_digest;

/// The error for a name no arm knows.
pub fn unsupported(name: &str) -> String {
    format!("unsupported hash type {name}")
}

/// A running fixed-output digest or HMAC, whatever its algorithm.
pub trait Running {
    /// Feeds `data`.
    fn update(&mut self, data: &[u8]);
    /// The output so far; the state goes on.
    fn digest(&self) -> Vec<u8>;
    /// An independent copy.
    fn box_clone(&self) -> Box<dyn Running>;
}

impl<T: Update + FixedOutput + Clone + 'static> Running for T {
    fn update(&mut self, data: &[u8]) {
        Update::update(self, data);
    }

    fn digest(&self) -> Vec<u8> {
        self.clone().finalize_fixed().to_vec()
    }

    fn box_clone(&self) -> Box<dyn Running> {
        Box::new(self.clone())
    }
}

/// A new digest of the algorithm Python names `name`.
pub fn new_hash(name: &str) -> Result<Box<dyn Running>, String> {
    with_digest!(name, boxed_hash()).ok_or_else(|| unsupported(name))
}

#[expect(
    clippy::extra_unused_type_parameters,
    reason = "`with_digest!` names the digest and its HMAC type to every function"
)]
fn boxed_hash<D: Digest + Update + FixedOutput + Clone + 'static, M>() -> Box<dyn Running> {
    Box::new(<D as Digest>::new())
}

/// A new HMAC keyed with `key`.
pub fn new_hmac(name: &str, key: &[u8]) -> Result<Box<dyn Running>, String> {
    if Xof::new(name).is_some() {
        return Err(format!("HMAC is not defined for the extendable-output {name}"));
    }
    with_digest!(name, boxed_hmac(key)).ok_or_else(|| unsupported(name))
}

#[expect(
    clippy::extra_unused_type_parameters,
    reason = "`with_digest!` names the digest and its HMAC type to every function"
)]
fn boxed_hmac<D, M: KeyInit + Update + FixedOutput + Clone + 'static>(key: &[u8]) -> Box<dyn Running> {
    Box::new(M::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes keys of any length")))
}

/// A running SHAKE.
#[derive(Clone)]
pub enum Xof {
    Shake128(sha3::Shake128),
    Shake256(sha3::Shake256),
}

impl Xof {
    /// The SHAKE Python names `name`, if it names one.
    pub fn new(name: &str) -> Option<Xof> {
        match name {
            "shake_128" => Some(Xof::Shake128(Default::default())),
            "shake_256" => Some(Xof::Shake256(Default::default())),
            _ => None,
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Xof::Shake128(x) => x.update(data),
            Xof::Shake256(x) => x.update(data),
        }
    }

    /// The first `length` bytes of output; the state goes on.
    pub fn read(&self, length: usize) -> Vec<u8> {
        let mut out = vec![0; length];
        match self.clone() {
            Xof::Shake128(x) => x.finalize_xof().read(&mut out),
            Xof::Shake256(x) => x.finalize_xof().read(&mut out),
        }
        out
    }
}
