//! WIT filter records ↔ liblzma's `lzma_filter` arrays and option structures.
#![expect(unsafe_code, reason = "liblzma's C API")]

use std::ffi::c_void;

use liblzma_sys::{
    LZMA_FILTER_ARM, LZMA_FILTER_ARM64, LZMA_FILTER_ARMTHUMB, LZMA_FILTER_DELTA, LZMA_FILTER_IA64, LZMA_FILTER_LZMA1,
    LZMA_FILTER_LZMA2, LZMA_FILTER_POWERPC, LZMA_FILTER_RISCV, LZMA_FILTER_SPARC, LZMA_FILTER_X86, LZMA_OK,
    LZMA_OPTIONS_ERROR, LZMA_VLI_UNKNOWN, lzma_allocator, lzma_filter, lzma_lzma_preset, lzma_options_bcj,
    lzma_options_delta, lzma_options_lzma, lzma_properties_decode, lzma_properties_encode, lzma_properties_size,
};

use crate::bindings::exports::pyforge::lzma::lzma::{DeltaOptions, Filter, FilterOptions, LzmaOptions};

/// liblzma's limit on a chain's length (`LZMA_FILTERS_MAX`).
const FILTERS_MAX: usize = 4;

/// The options of one filter as liblzma's structure, owned for the call.
enum Options {
    None,
    Lzma(Box<lzma_options_lzma>),
    Delta(Box<lzma_options_delta>),
    Bcj(Box<lzma_options_bcj>),
}

impl Options {
    fn ptr(&mut self) -> *mut c_void {
        match self {
            Options::None => std::ptr::null_mut(),
            Options::Lzma(o) => (&mut **o as *mut lzma_options_lzma).cast(),
            Options::Delta(o) => (&mut **o as *mut lzma_options_delta).cast(),
            Options::Bcj(o) => (&mut **o as *mut lzma_options_bcj).cast(),
        }
    }
}

/// `lzma_options_lzma` from the WIT record (no preset dictionary).
pub fn lzma_options(o: &LzmaOptions) -> Box<lzma_options_lzma> {
    // SAFETY: integers, enums (integers) and a nullable pointer: all-zero is valid.
    let mut c: Box<lzma_options_lzma> = Box::new(unsafe { std::mem::zeroed() });
    c.dict_size = o.dict_size;
    c.lc = o.lc;
    c.lp = o.lp;
    c.pb = o.pb;
    c.mode = o.mode;
    c.nice_len = o.nice_len;
    c.mf = o.mf;
    c.depth = o.depth;
    c
}

fn wit_lzma(c: &lzma_options_lzma) -> LzmaOptions {
    LzmaOptions {
        dict_size: c.dict_size,
        lc: c.lc,
        lp: c.lp,
        pb: c.pb,
        mode: c.mode,
        nice_len: c.nice_len,
        mf: c.mf,
        depth: c.depth,
    }
}

/// A filter chain as liblzma reads it: the options it points into, and the array (ended by
/// `LZMA_VLI_UNKNOWN`). Keep it alive while liblzma uses the array.
pub struct Chain {
    _options: Vec<Options>,
    filters: Vec<lzma_filter>,
}

impl Chain {
    /// The chain of `filters`; a chain longer than liblzma's limit is `LZMA_OPTIONS_ERROR`.
    pub fn new(filters: &[Filter]) -> Result<Chain, u32> {
        if filters.len() > FILTERS_MAX {
            return Err(LZMA_OPTIONS_ERROR);
        }
        let mut options: Vec<Options> = filters.iter().map(|f| to_options(&f.options)).collect();
        let mut array: Vec<lzma_filter> =
            filters.iter().zip(options.iter_mut()).map(|(f, o)| lzma_filter { id: f.id, options: o.ptr() }).collect();
        array.push(lzma_filter { id: LZMA_VLI_UNKNOWN, options: std::ptr::null_mut() });
        Ok(Chain { _options: options, filters: array })
    }

    pub fn as_ptr(&self) -> *const lzma_filter {
        self.filters.as_ptr()
    }
}

fn to_options(o: &FilterOptions) -> Options {
    match o {
        FilterOptions::None => Options::None,
        FilterOptions::Lzma(l) => Options::Lzma(lzma_options(l)),
        FilterOptions::Delta(d) => {
            // SAFETY: integers and nullable pointers: all-zero is valid.
            let mut c: Box<lzma_options_delta> = Box::new(unsafe { std::mem::zeroed() });
            c.type_ = d.kind;
            c.dist = d.dist;
            Options::Delta(c)
        }
        FilterOptions::Bcj(start_offset) => Options::Bcj(Box::new(lzma_options_bcj { start_offset: *start_offset })),
    }
}

/// `lzma_lzma_preset`.
pub fn preset(preset: u32) -> Option<LzmaOptions> {
    // SAFETY: all-zero is valid; liblzma fills it.
    let mut c: lzma_options_lzma = unsafe { std::mem::zeroed() };
    // SAFETY: a valid options structure.
    let failed = unsafe { lzma_lzma_preset(&mut c, preset) } != 0;
    (!failed).then(|| wit_lzma(&c))
}

/// `lzma_properties_size` + `lzma_properties_encode`.
pub fn properties_encode(filter: &Filter) -> Result<Vec<u8>, u32> {
    let chain = Chain::new(std::slice::from_ref(filter))?;
    let mut size = 0u32;
    // SAFETY: `chain` holds a valid filter whose options live as long as `chain`.
    let ret = unsafe { lzma_properties_size(&mut size, chain.as_ptr()) };
    if ret != LZMA_OK {
        return Err(ret);
    }
    let mut out = vec![0u8; size as usize];
    // SAFETY: `out` has the `size` bytes liblzma asked for.
    let ret = unsafe { lzma_properties_encode(chain.as_ptr(), out.as_mut_ptr()) };
    if ret != LZMA_OK {
        return Err(ret);
    }
    Ok(out)
}

unsafe extern "C" {
    fn malloc(size: usize) -> *mut c_void;
    fn free(ptr: *mut c_void);
}

unsafe extern "C" fn c_alloc(_opaque: *mut c_void, nmemb: usize, size: usize) -> *mut c_void {
    // SAFETY: libc's allocator; liblzma checks for NULL.
    nmemb.checked_mul(size).map_or(std::ptr::null_mut(), |n| unsafe { malloc(n) })
}

unsafe extern "C" fn c_free(_opaque: *mut c_void, ptr: *mut c_void) {
    // SAFETY: `ptr` came from `c_alloc`.
    unsafe { free(ptr) }
}

/// `lzma_properties_decode`: liblzma allocates the options through libc's `malloc` (an explicit
/// allocator, so they can be freed here whatever liblzma's default is); they are copied into
/// the WIT record and freed.
pub fn properties_decode(id: u64, props: &[u8]) -> Result<Filter, u32> {
    let allocator = lzma_allocator { alloc: Some(c_alloc), free: Some(c_free), opaque: std::ptr::null_mut() };
    let mut f = lzma_filter { id, options: std::ptr::null_mut() };
    // SAFETY: `props` is valid for its length; the allocator outlives the call.
    let ret = unsafe { lzma_properties_decode(&mut f, &allocator, props.as_ptr(), props.len()) };
    if ret != LZMA_OK {
        return Err(ret);
    }
    let options = if f.options.is_null() {
        FilterOptions::None
    } else {
        // SAFETY: liblzma allocated the structure that matches the filter id.
        unsafe {
            match id {
                LZMA_FILTER_LZMA1 | LZMA_FILTER_LZMA2 => FilterOptions::Lzma(wit_lzma(&*f.options.cast())),
                LZMA_FILTER_DELTA => {
                    let d = &*f.options.cast::<lzma_options_delta>();
                    FilterOptions::Delta(DeltaOptions { kind: d.type_, dist: d.dist })
                }
                LZMA_FILTER_X86 | LZMA_FILTER_POWERPC | LZMA_FILTER_IA64 | LZMA_FILTER_ARM | LZMA_FILTER_ARMTHUMB
                | LZMA_FILTER_SPARC | LZMA_FILTER_ARM64 | LZMA_FILTER_RISCV => {
                    FilterOptions::Bcj((*f.options.cast::<lzma_options_bcj>()).start_offset)
                }
                _ => FilterOptions::None,
            }
        }
    };
    // SAFETY: allocated by `c_alloc` (or NULL).
    unsafe { free(f.options) };
    Ok(Filter { id, options })
}
