fn main() {
    std::process::exit(slretire::run(std::env::args_os()));
}
