// The `pyforge:toolchain/clang` import for JavaScript hosts: there is no C compiler here.
// (jco turns a thrown `{ payload }` into the `err` case of the import's result.)
export function run(_args) {
  throw { payload: "no C compiler in this host: build python.wasm with the native `pyforge build`" };
}
