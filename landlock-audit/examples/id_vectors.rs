//! Prints the ID test vectors ([`landlock_audit::id::VECTORS`]) as C
//! initializer lines for the kernel's KUnit suite, recomputed with the test
//! key, and checks that they match the table in the library.
//!
//! With `--search`, also lists the first counters above 2^60 whose first
//! Feistel evaluation lands below 2^60 (cycle-walk cases).

use landlock_audit::id::{IdPermutation, ID_MIN, TEST_KEY, VECTORS};

fn main() {
    let perm = IdPermutation::new(TEST_KEY.0, TEST_KEY.1);
    if std::env::args().any(|a| a == "--search") {
        for c in (ID_MIN..ID_MIN + 64).filter(|&c| perm.feistel_encrypt(c) < ID_MIN) {
            let (id, steps) = perm.encrypt_with_steps(c).unwrap_or((0, 0));
            println!("cycle walk: counter {c:#018x} -> {id:#018x} in {steps} steps");
        }
        return;
    }
    println!(
        "/* (counter, id), k0 = {:#018x}, k1 = {:#018x} */",
        TEST_KEY.0, TEST_KEY.1
    );
    let mut ok = true;
    for &(counter, id) in VECTORS {
        let got = perm.encrypt(counter);
        let walk = perm.feistel_encrypt(counter) < ID_MIN;
        println!(
            "{{ {counter:#018x}, {:#018x} }},{}",
            got.unwrap_or(0),
            if walk { " /* cycle walk */" } else { "" }
        );
        ok &= got == Some(id);
    }
    if !ok {
        eprintln!("error: VECTORS in landlock-audit/src/id.rs do not match the implementation");
        std::process::exit(1);
    }
}
