//! The key derivation functions: PBKDF2-HMAC (with CPython's checks and messages) and scrypt
//! (with OpenSSL's parameter limits, which CPython documents `hashlib.scrypt` by).

use digest::{FixedOutput, KeyInit, Update};

use crate::digests::{Xof, unsupported, with_digest};

/// PBKDF2 with HMAC of the digest Python names `name`.
pub fn pbkdf2_hmac(name: &str, password: &[u8], salt: &[u8], iterations: u32, dklen: u32) -> Result<Vec<u8>, String> {
    if iterations < 1 {
        return Err("iteration value must be greater than 0.".into());
    }
    if dklen < 1 {
        return Err("key length must be greater than 0.".into());
    }
    if Xof::new(name).is_some() {
        return Err(format!("PBKDF2 needs an HMAC, which is not defined for the extendable-output {name}"));
    }
    let mut key = vec![0; dklen as usize];
    with_digest!(name, pbkdf2_with(password, salt, iterations, &mut key)).ok_or_else(|| unsupported(name))?;
    Ok(key)
}

#[expect(
    clippy::extra_unused_type_parameters,
    reason = "`with_digest!` names the digest and its HMAC type to every function"
)]
fn pbkdf2_with<D, M: KeyInit + Update + FixedOutput + Clone + Sync>(
    password: &[u8],
    salt: &[u8],
    rounds: u32,
    key: &mut [u8],
) {
    pbkdf2::pbkdf2::<M>(password, salt, rounds, key).unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
}

/// OpenSSL's default `maxmem` (`SCRYPT_MAX_MEM`), used when the caller gives 0.
const DEFAULT_MAXMEM: u64 = 32 * 1024 * 1024;
/// OpenSSL's bound on `p·r` (`SCRYPT_PR_MAX`).
const PR_MAX: u64 = (1 << 30) - 1;

/// scrypt's cost parameters.
#[derive(Debug, Clone, Copy)]
pub struct ScryptParams {
    pub n: u64,
    pub r: u64,
    pub p: u64,
    pub maxmem: u64,
}

impl ScryptParams {
    /// OpenSSL's checks (`EVP_PBE_scrypt`): `n` a power of 2 above 1, `r` and `p` at least 1,
    /// `p·r` below 2^30, `n` below 2^(16·r), and the memory, `128·r·(n + p + 2)` bytes, within
    /// `maxmem` (0: 32 MiB).
    pub fn check(&self) -> Result<(), String> {
        let ScryptParams { n, r, p, maxmem } = *self;
        if n < 2 || !n.is_power_of_two() {
            return Err(format!("n must be a power of 2 greater than 1, not {n}"));
        }
        if r == 0 || p == 0 {
            return Err(format!("r and p must be at least 1 (r={r}, p={p})"));
        }
        if p > PR_MAX / r {
            return Err(format!("p·r must be below 2^30 (r={r}, p={p})"));
        }
        if 16 * r < 64 && n >= 1 << (16 * r) {
            return Err(format!("n must be below 2^(16·r) = 2^{} (n={n}, r={r})", 16 * r));
        }
        let maxmem = if maxmem == 0 { DEFAULT_MAXMEM } else { maxmem };
        // 128·r·(n + p + 2), in u128 so that no parameter within the checks above overflows.
        let needed = 128 * u128::from(r) * (u128::from(n) + u128::from(p) + 2);
        if needed > u128::from(maxmem) {
            return Err(format!("memory limit exceeded: n={n}, r={r}, p={p} need {needed} bytes, maxmem is {maxmem}"));
        }
        Ok(())
    }
}

/// scrypt: `dklen` bytes from `password` and `salt`.
pub fn scrypt(password: &[u8], salt: &[u8], params: ScryptParams, dklen: u32) -> Result<Vec<u8>, String> {
    params.check()?;
    if dklen < 1 {
        return Err("dklen must be greater than 0".into());
    }
    let too_big = |what: &str| format!("scrypt parameters too large for this build: {what}");
    let r = u32::try_from(params.r).map_err(|_| too_big("r"))?;
    let p = u32::try_from(params.p).map_err(|_| too_big("p"))?;
    // `len` is only the length of a PHC string's hash; the output's own length is `dklen`.
    let costs = scrypt::Params::new(params.n.trailing_zeros() as u8, r, p, scrypt::Params::RECOMMENDED_LEN)
        .map_err(|e| too_big(&e.to_string()))?;
    let mut key = vec![0; dklen as usize];
    scrypt::scrypt(password, salt, &costs, &mut key).map_err(|e| format!("scrypt: {e}"))?;
    Ok(key)
}
