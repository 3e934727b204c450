// Loads the wasm interface built by `cargo xtask ui`.
import init from './hoso-ui.js';
init();
