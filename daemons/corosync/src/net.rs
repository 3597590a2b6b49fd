//! The udpu transport (totemudpu.c): one UDP socket on the local ring0
//! address; a "multicast" is one unicast to every nodelist member, this
//! node included; datagrams from addresses outside the nodelist are dropped
//! (`block_unlisted_ips`, on by default).

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsFd;

use tokio::net::UdpSocket;
use totem::Destination;

/// Socket buffer size asked for (the reference asks for several MiB).
const SOCKET_BUFFER: usize = 8 * 1024 * 1024;

/// The socket and the peer table.
pub struct Udpu {
    sock: UdpSocket,
    by_node: BTreeMap<u32, SocketAddr>,
    all: Vec<SocketAddr>,
    listed: BTreeSet<IpAddr>,
    block_unlisted: bool,
    /// Datagrams dropped because their sender is not in the nodelist.
    pub dropped: u64,
    /// sendto failures.
    pub send_errors: u64,
}

impl Udpu {
    /// Bind `bind` (must run inside a tokio runtime).
    pub fn bind(
        bind: SocketAddr,
        peers: &[(u32, SocketAddr)],
        block_unlisted: bool,
    ) -> io::Result<Udpu> {
        let domain = if bind.is_ipv4() {
            socket2::Domain::IPV4
        } else {
            socket2::Domain::IPV6
        };
        let s = socket2::Socket::new(domain, socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
        s.set_reuse_address(true)?;
        s.set_nonblocking(true)?;
        // As root the buffers may exceed rmem_max/wmem_max; fall back to the
        // ordinary options otherwise.
        if nix::sys::socket::setsockopt(
            &s.as_fd(),
            nix::sys::socket::sockopt::RcvBufForce,
            &SOCKET_BUFFER,
        )
        .is_err()
        {
            let _ = s.set_recv_buffer_size(SOCKET_BUFFER);
        }
        if nix::sys::socket::setsockopt(
            &s.as_fd(),
            nix::sys::socket::sockopt::SndBufForce,
            &SOCKET_BUFFER,
        )
        .is_err()
        {
            let _ = s.set_send_buffer_size(SOCKET_BUFFER);
        }
        s.bind(&bind.into())?;
        let sock = UdpSocket::from_std(s.into())?;
        Ok(Udpu {
            sock,
            by_node: peers.iter().copied().collect(),
            all: peers.iter().map(|p| p.1).collect(),
            listed: peers.iter().map(|p| p.1.ip()).collect(),
            block_unlisted,
            dropped: 0,
            send_errors: 0,
        })
    }

    /// Send one Totem datagram.
    pub fn send(&mut self, dest: &Destination, bytes: &[u8]) {
        match dest {
            Destination::All => {
                for i in 0..self.all.len() {
                    let a = self.all[i];
                    self.send_to(bytes, a);
                }
            }
            Destination::Node(n) => {
                if let Some(a) = self.by_node.get(n).copied() {
                    self.send_to(bytes, a);
                }
            }
        }
    }

    fn send_to(&mut self, bytes: &[u8], a: SocketAddr) {
        if self.sock.try_send_to(bytes, a).is_err() {
            self.send_errors += 1;
        }
    }

    /// Wait for a datagram.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.sock.recv_from(buf).await
    }

    /// A datagram if one is waiting.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.sock.try_recv_from(buf)
    }

    /// Whether a datagram from `from` is accepted.
    pub fn accept_from(&mut self, from: &SocketAddr) -> bool {
        if self.block_unlisted && !self.listed.contains(&from.ip()) {
            self.dropped += 1;
            return false;
        }
        true
    }
}
