//! The hashlib cap: exports `pyforge:hashlib/hashes@0.1.0` (`wit/hashlib.wit`) over RustCrypto's
//! digests (`md-5`, `sha1`, `sha2`, `sha3`, `blake2`), HMAC (`hmac`), PBKDF2 (`pbkdf2`) and
//! scrypt (`scrypt`) — what CPython's `_hashlib` takes from OpenSSL.
//!
//! Algorithms travel by Python's names ([`digests`] maps each to its type); an unknown name or a
//! bad parameter is an error value with a message, so nothing here traps on a caller's input.

#[expect(unsafe_code, reason = "the canonical-ABI glue wit-bindgen generates")]
mod bindings {
    wit_bindgen::generate!({
        inline: "package pyforge:hashlib-cap; world cap { export pyforge:hashlib/hashes@0.1.0; }",
        path: "wit",
        generate_all,
    });

    use super::Cap;
    export!(Cap);
}

mod digests;
mod kdf;

use std::cell::RefCell;

use bindings::exports::pyforge::hashlib::hashes as wit;
use digests::{Running, Xof};

struct Cap;

impl wit::Guest for Cap {
    type Hash = Hash;
    type Hmac = Hmac;

    fn hmac_digest(algorithm: String, key: Vec<u8>, msg: Vec<u8>) -> Result<Vec<u8>, String> {
        let mut mac = digests::new_hmac(&algorithm, &key)?;
        mac.update(&msg);
        Ok(mac.digest())
    }

    fn pbkdf2_hmac(
        algorithm: String,
        password: Vec<u8>,
        salt: Vec<u8>,
        iterations: u32,
        dklen: u32,
    ) -> Result<Vec<u8>, String> {
        kdf::pbkdf2_hmac(&algorithm, &password, &salt, iterations, dklen)
    }

    fn scrypt(
        password: Vec<u8>,
        salt: Vec<u8>,
        n: u64,
        r: u64,
        p: u64,
        maxmem: u64,
        dklen: u32,
    ) -> Result<Vec<u8>, String> {
        kdf::scrypt(&password, &salt, kdf::ScryptParams { n, r, p, maxmem }, dklen)
    }

    fn scrypt_check(n: u64, r: u64, p: u64, maxmem: u64) -> Result<(), String> {
        kdf::ScryptParams { n, r, p, maxmem }.check()
    }
}

/// A running digest: a fixed-output one behind [`Running`], or an extendable-output one.
enum HashState {
    Fixed(Box<dyn Running>),
    Xof(Box<Xof>),
}

/// The `hash` resource.
struct Hash(RefCell<HashState>);

impl wit::GuestHash for Hash {
    fn create(algorithm: String) -> Result<wit::Hash, String> {
        let state = match Xof::new(&algorithm) {
            Some(xof) => HashState::Xof(Box::new(xof)),
            None => HashState::Fixed(digests::new_hash(&algorithm)?),
        };
        Ok(wit::Hash::new(Hash(RefCell::new(state))))
    }

    fn update(&self, data: Vec<u8>) {
        match &mut *self.0.borrow_mut() {
            HashState::Fixed(d) => d.update(&data),
            HashState::Xof(x) => x.update(&data),
        }
    }

    fn copy(&self) -> wit::Hash {
        let state = match &*self.0.borrow() {
            HashState::Fixed(d) => HashState::Fixed(d.box_clone()),
            HashState::Xof(x) => HashState::Xof(x.clone()),
        };
        wit::Hash::new(Hash(RefCell::new(state)))
    }

    fn digest(&self) -> Result<Vec<u8>, String> {
        match &*self.0.borrow() {
            HashState::Fixed(d) => Ok(d.digest()),
            HashState::Xof(_) => Err("an extendable-output hash needs a length: use digest-xof".into()),
        }
    }

    fn digest_xof(&self, length: u32) -> Result<Vec<u8>, String> {
        match &*self.0.borrow() {
            HashState::Fixed(_) => Err("not an extendable-output hash: use digest".into()),
            HashState::Xof(x) => Ok(x.read(length as usize)),
        }
    }
}

/// The `hmac` resource.
struct Hmac(RefCell<Box<dyn Running>>);

impl wit::GuestHmac for Hmac {
    fn create(algorithm: String, key: Vec<u8>) -> Result<wit::Hmac, String> {
        Ok(wit::Hmac::new(Hmac(RefCell::new(digests::new_hmac(&algorithm, &key)?))))
    }

    fn update(&self, data: Vec<u8>) {
        self.0.borrow_mut().update(&data);
    }

    fn copy(&self) -> wit::Hmac {
        wit::Hmac::new(Hmac(RefCell::new(self.0.borrow().box_clone())))
    }

    fn digest(&self) -> Vec<u8> {
        self.0.borrow().digest()
    }
}
