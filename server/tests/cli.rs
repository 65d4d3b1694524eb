//! The binary's command line as an operator meets it: `--help` prints the
//! usage and exits 0, an unknown flag fails, admin commands run against
//! the configured data folder. (Its own test binary: the
//! config test writes the environment, which must not race a spawn.)

#[test]
fn help_is_an_answer_not_an_error() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_redline-server")).arg("--help").output().expect("run redline-server");
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"));
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_redline-server")).arg("--no-such-flag").output().expect("run redline-server");
    assert!(!bad.status.success(), "an unknown flag is an error");
}

#[test]
fn read_models_are_rebuilt_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_redline-server"))
        .args(["--no-seed", "--data-dir"])
        .arg(dir.path())
        .args(["admin", "rebuild-read-models"])
        .output()
        .expect("run redline-server");
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0 documents replayed, 0 unreadable");
}
