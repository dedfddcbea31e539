//! Fuzzes manifest loading and validation: any text must load or fail with an error, never panic,
//! and every object that loads must survive writing it back as YAML.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tidal_api::manifest::load_all;
use tidal_api::validate::report::check;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let report = check("fuzz", text);
    let (documents, _) = load_all("fuzz", text);
    assert!(report.documents == documents.len());
    for document in documents {
        let yaml = document.manifest.to_yaml().expect("loaded objects serialize");
        let again = load_all("again", &yaml);
        assert!(again.1.is_empty(), "{:?}\n{yaml}", again.1);
        assert_eq!(again.0.len(), 1, "{yaml}");
        assert_eq!(again.0[0].manifest, document.manifest, "{yaml}");
    }
});
