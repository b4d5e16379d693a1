#[doc = " keep-alive: idle 2h, then a probe every 1s, 5 probes; an idle dead peer is detected within 2h 5s."]
struct Conn {
    stream: std::net::TcpStream,
}
#[automatically_derived]
impl ::keepalive_runtime::__private::KeepAlivePolicy for Conn {
    const POLICY: ::keepalive_runtime::__private::Policy =
        ::keepalive_runtime::__private::literal_policy(true, 7200000, 1000, 5, 0);
    const APPLY: ::keepalive_runtime::__private::ApplyAt =
        ::keepalive_runtime::__private::ApplyAt::BeforeConnect;
}
#[automatically_derived]
#[allow(unused_qualifications, clippy::absolute_paths)]
impl ::keepalive_runtime::__private::KeepAlive for Conn {
    type Socket = <std::net::TcpStream as ::keepalive_runtime::__private::SocketField>::Socket;
    #[inline]
    fn socket(
        &self,
    ) -> ::keepalive_runtime::__private::Result<&Self::Socket, ::keepalive_runtime::__private::Error>
    {
        ::keepalive_runtime::__private::SocketField::socket(&self.stream)
    }
}
#[cfg(target_os = "openbsd")]
const _: () = ::keepalive_runtime::__private::refuse::<Conn>();
