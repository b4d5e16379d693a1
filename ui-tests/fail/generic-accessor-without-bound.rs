// a generic socket behind `socket = path`, with no bound saying it is a TCP socket
use keepalive_runtime::keepalive;

struct Tls<S> {
    io: S,
}

impl<S> Tls<S> {
    fn get_ref(&self) -> &S {
        &self.io
    }
}

#[keepalive(timeout = "30s")]
struct Conn<S> {
    #[keepalive(socket = Tls::get_ref)]
    tls: Tls<S>,
}

fn main() {}
