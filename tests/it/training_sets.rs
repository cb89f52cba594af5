//! The examples' training sets, as their READMEs build them, snapshotted as tables: a change
//! in any value at any label shows up in review. (Correctness against an independent oracle is
//! `pit.rs`; this pins the examples' hand-checked cases and their presentation.)

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::PathBuf;
use std::process::Command;

const EXAMPLES: [(&str, &str); 3] = [
    ("user_activity", "churn_model"),
    ("recommender", "recommend"),
    ("fraud", "fraud_scoring"),
];

#[test]
fn example_training_sets() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for (example, service) in EXAMPLES {
        let dir = repo.join("examples").join(example);
        let out = std::env::temp_dir().join(format!(
            "featc-it-training-{example}-{}.parquet",
            std::process::id()
        ));
        let run = Command::new(env!("CARGO_BIN_EXE_featc"))
            .arg("training-set")
            .arg(&dir)
            .args(["--service", service, "--at", "observation_ts", "--labels"])
            .arg(dir.join("labels.csv"))
            .arg("--out")
            .arg(&out)
            .output()
            .expect("featc runs");
        assert!(
            run.status.success(),
            "{example}: {}",
            String::from_utf8_lossy(&run.stderr)
        );

        let file = std::fs::File::open(&out).expect("output written");
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .expect("parquet")
            .build()
            .expect("reader");
        let batches: Vec<_> = reader.collect::<Result<_, _>>().expect("batches");
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        let labels = std::fs::read_to_string(dir.join("labels.csv")).expect("labels");
        assert_eq!(
            rows,
            labels.lines().count() - 1,
            "{example}: one output row per label row"
        );
        let table = pretty_format_batches(&batches)
            .expect("printable")
            .to_string();
        insta::with_settings!({
            snapshot_path => "../../snapshots/training",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(example, table);
        });
        let _ = std::fs::remove_file(&out);
    }
}
