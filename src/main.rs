fn main() -> std::process::ExitCode {
    featc::cli::main()
}
