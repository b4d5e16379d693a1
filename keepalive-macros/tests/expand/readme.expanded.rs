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
::keepalive_runtime::__private::compile_error! { "`timeout` cannot be honoured on OpenBSD: OpenBSD has no per-socket idle time; only the global sysctl net.inet.tcp.keepidle; remove `timeout`, or add `best_effort = true` to apply the rest and report what is left out" }
#[cfg(target_os = "openbsd")]
::keepalive_runtime::__private::compile_error! { "`interval` cannot be honoured on OpenBSD: OpenBSD has no per-socket probe interval; only the global sysctl net.inet.tcp.keepintvl; remove `interval`, or add `best_effort = true` to apply the rest and report what is left out" }
#[cfg(target_os = "openbsd")]
::keepalive_runtime::__private::compile_error! { "`retries` cannot be honoured on OpenBSD: OpenBSD has no per-socket probe count; remove `retries`, or add `best_effort = true` to apply the rest and report what is left out" }
#[allow(unused_qualifications, clippy::absolute_paths)]
const _: () = ::keepalive_runtime::__private::build_checked::<Conn>(
    ::keepalive_runtime::__private::option_env!("KEEPALIVE_BOUNDS"),
    ::keepalive_runtime::__private::module_path!(),
    "Conn",
);
