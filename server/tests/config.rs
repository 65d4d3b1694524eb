//! Configuration precedence as an operator relies on it: flags override the
//! environment, which overrides the config file; a typo in the file is an
//! error, not a silently ignored setting.

use redline_server::config::parse;

#[test]
fn file_then_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("redline.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:9999\"\ndata_dir = \"/srv/redline\"\nno_seed = true\n").unwrap();
    let args = vec!["redline-server".to_string(), "--config".into(), file.display().to_string(), "--listen".into(), "0.0.0.0:7000".into()];
    // SAFETY: this test binary runs this one test; no other thread reads the environment.
    unsafe { std::env::set_var("REDLINE_DATA", "/from/env") };
    let cli = parse(&args).unwrap();
    assert_eq!(cli.config.listen, "0.0.0.0:7000", "a flag beats the file");
    assert_eq!(cli.config.data_dir, std::path::PathBuf::from("/from/env"), "the environment beats the file");
    assert!(cli.config.no_seed, "the file fills what nothing else set");

    std::fs::write(&file, "listne = \"127.0.0.1:1\"\n").unwrap();
    let err = parse(&args).map(|_| ()).unwrap_err();
    assert!(err.contains("listne"), "{err}");
}
