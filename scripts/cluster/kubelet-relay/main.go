// Command kubelet-relay makes kwok's one kubelet-like server answer at every fake node's address.
//
// A node's kubelet is dialled at the node's InternalIP, and each kwok node has its own loopback
// address (kwok-node-i is 127.0.1.i). kwok serves all of its nodes from a single listener, and a
// socket bound to 127.0.0.1 does not receive connections for 127.0.1.i, while binding 0.0.0.0
// would expose the server beyond this machine. So this relay listens on the node addresses only
// and copies each connection, bytes as they are, to kwok's listener: TLS stays end to end between
// the client (metrics-server, the apiserver) and kwok, and kwok's certificate names the node IPs.
//
// It refuses any address outside 127.0.0.0/8, for listening and for the target alike.
//
// Usage:
//
//	kubelet-relay -first=127.0.1.1 -count=254 -port=17250 -target=127.0.0.1:17250 -cluster-dir=DIR
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// dialTimeout bounds how long a client waits when kwok is down: it gets a closed connection, the
// same as a dead kubelet, instead of hanging.
const dialTimeout = 5 * time.Second

func main() {
	log.SetFlags(log.LstdFlags | log.LUTC)
	first := flag.String("first", "127.0.1.1", "first address to listen on (node 1's InternalIP)")
	count := flag.Int("count", 254, "how many consecutive addresses to listen on")
	port := flag.Int("port", 0, "port to listen on at every address (the kubelet port)")
	target := flag.String("target", "", "loopback host:port every connection is copied to (kwok's server)")
	// Not used beyond identification: the cluster scripts find their processes by the state
	// directory on the command line, so two clusters on one machine never stop each other's relay.
	flag.String("cluster-dir", "", "state directory of the cluster this relay belongs to")
	flag.Parse()

	listeners, targetAddr, err := listen(*first, *count, *port, *target)
	if err != nil {
		log.Fatalf("kubelet-relay: %v", err)
	}
	log.Printf("kubelet-relay: forwarding %s..%s port %d to %s",
		listeners[0].Addr().(*net.TCPAddr).IP, listeners[len(listeners)-1].Addr().(*net.TCPAddr).IP,
		*port, targetAddr)

	var wg sync.WaitGroup
	for _, l := range listeners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			serve(l, targetAddr)
		}()
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	for _, l := range listeners {
		_ = l.Close()
	}
	wg.Wait()
}

// listen validates the flags and opens one listener per address; it fails as a whole, naming the
// address, so a taken port is reported at start-up rather than as a missing node later.
func listen(first string, count, port int, target string) ([]net.Listener, string, error) {
	start, err := netip.ParseAddr(first)
	if err != nil || !start.Is4() || !start.IsLoopback() {
		return nil, "", fmt.Errorf("-first=%q: must be an IPv4 address in 127.0.0.0/8", first)
	}
	if count < 1 || count > 254 {
		return nil, "", fmt.Errorf("-count=%d: must be 1..254", count)
	}
	if port < 1 || port > 65535 {
		return nil, "", fmt.Errorf("-port=%d: must be 1..65535", port)
	}
	targetAP, err := netip.ParseAddrPort(target)
	if err != nil || !targetAP.Addr().IsLoopback() {
		return nil, "", fmt.Errorf("-target=%q: must be host:port with a host in 127.0.0.0/8", target)
	}

	listeners := make([]net.Listener, 0, count)
	addr := start
	for i := range count {
		if !addr.IsLoopback() {
			closeAll(listeners)
			return nil, "", fmt.Errorf("-first=%s -count=%d: address %d (%s) leaves 127.0.0.0/8", first, count, i+1, addr)
		}
		ap := netip.AddrPortFrom(addr, uint16(port))
		if ap == targetAP {
			closeAll(listeners)
			return nil, "", fmt.Errorf("-target=%s is one of the addresses listened on; the relay would dial itself", target)
		}
		l, err := net.Listen("tcp4", ap.String())
		if err != nil {
			closeAll(listeners)
			return nil, "", fmt.Errorf("listen on %s: %w", ap, err)
		}
		listeners = append(listeners, l)
		addr = addr.Next()
	}
	return listeners, targetAP.String(), nil
}

func closeAll(listeners []net.Listener) {
	for _, l := range listeners {
		_ = l.Close()
	}
}

// serve accepts until the listener is closed, relaying each connection on its own goroutine.
func serve(l net.Listener, target string) {
	for {
		conn, err := l.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				log.Printf("kubelet-relay: accept on %s: %v", l.Addr(), err)
			}
			return
		}
		go relay(conn, target)
	}
}

// relay copies both directions until each side has finished sending, passing on half-closes so
// neither end waits for bytes that will never come.
func relay(client net.Conn, target string) {
	defer client.Close()
	server, err := net.DialTimeout("tcp4", target, dialTimeout)
	if err != nil {
		log.Printf("kubelet-relay: %s asked %s, but %s is not answering: %v",
			client.RemoteAddr(), client.LocalAddr(), target, err)
		return
	}
	defer server.Close()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tcp, ok := dst.(*net.TCPConn); ok {
			_ = tcp.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done
	<-done
}
