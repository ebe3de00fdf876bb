fn main() -> std::process::ExitCode {
    ward::main()
}
