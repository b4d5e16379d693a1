#[doc = " keep-alive: idle 2h, then a probe every 1s, 5 probes; an idle dead peer is detected within 2h 5s."]
struct Conn {
    stream: std::net::TcpStream,
}
const _: () = {
    use ::keepalive_runtime::__private as __keepalive;
    #[automatically_derived]
    impl __keepalive::KeepAlivePolicy for Conn {
        const POLICY: __keepalive::Policy = __keepalive::literal_policy(true, 7200000, 1000, 5, 0);
        const APPLY: __keepalive::ApplyAt = __keepalive::ApplyAt::BeforeConnect;
    }
    #[automatically_derived]
    #[allow(unused_qualifications, clippy::absolute_paths)]
    impl __keepalive::KeepAlive for Conn {
        type Socket = <std::net::TcpStream as __keepalive::SocketField>::Socket;
        #[inline]
        fn socket(&self) -> __keepalive::Result<&Self::Socket, __keepalive::Error> {
            __keepalive::SocketField::socket(&self.stream)
        }
    }
    #[cfg(target_os = "openbsd")]
    __keepalive::refuse::<Conn>();
};
