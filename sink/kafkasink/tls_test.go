package kafkasink_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/ledgersink/ledgersink/sink/kafkasink"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

// selfSigned returns a server configuration with a certificate for
// 127.0.0.1, and a client configuration trusting it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "kfake"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// TestConsumerTLSAndSASL runs the consumer against a cluster that requires
// TLS and SCRAM-SHA-256, through ConsumerOptions.TLS and SASL.
func TestConsumerTLSAndSASL(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, sinkTopics()...),
		kfake.TLS(serverTLS), kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", "sink", "s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mech := scram.Auth{User: "sink", Pass: "s3cret"}.AsSha256Mechanism()
	cl := newClient(t, c, kgo.DialTLSConfig(clientTLS), kgo.SASL(mech))
	pub, err := kafkasink.NewPublisher(cl, &kafkasink.PublisherOptions{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	evs := accountEvents(entityID(1), 6)
	publish(t, pub, evs)

	store := memstore.New(nil)
	o := consumerOptions(c, "secure")
	o.TLS, o.SASL = clientTLS, mech
	r := start(t, store, o)
	waitFor(t, "every message", func() bool { return r.c.Progress().Records == int64(len(evs)) })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, store, evs)
}
