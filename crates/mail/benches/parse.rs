//! Parse throughput.
fn main() {}
