// The built-ins allocate a buffer per file and many small strings per document; mimalloc does
// that markedly cheaper than the system allocator across threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ward::main()
}
