package app

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/internal/testpki"
	"github.com/expeditor-be/expeditor/signer"
)

// The certificate check speaks of the holder by name and says "valid
// until"; the full subject, the issuer and the key (CN=…, RSA 2048 bits)
// are behind Details. A refused certificate says whose it is up front.
func TestCertificateLinesPlainWords(t *testing.T) {
	applyLanguage("en")
	shown := func(objs []fyne.CanvasObject) (main, details string) {
		c := container.NewVBox(objs...)
		for _, o := range objs {
			if a, ok := o.(*widget.Accordion); ok {
				details = rendered(container.NewVBox(a.Items[0].Detail))
				if a.Items[0].Title != "Details" || a.Items[0].Open {
					t.Errorf("details %q open %v", a.Items[0].Title, a.Items[0].Open)
				}
			}
		}
		all := rendered(c)
		return strings.Replace(all, details, "", 1), details
	}

	good := testpki.New(t, testpki.Options{CommonName: "Marie Dupont", WithCA: true})
	main, details := shown(certificateLines(good.Cert, signer.CheckCertificate(good.Cert, time.Now())))
	for _, w := range []string{"CN=", "RSA", "Issued by"} {
		if strings.Contains(main, w) {
			t.Errorf("the check says %q outside Details:\n%s", w, main)
		}
	}
	for _, w := range []string{"Holder: Marie Dupont", "Valid until ", "CN=Marie Dupont", "RSA"} {
		if !strings.Contains(details, w) {
			t.Errorf("Details lack %q:\n%s", w, details)
		}
	}

	expired := testpki.New(t, testpki.Options{CommonName: "Jan Peeters", NotBefore: time.Now().AddDate(-2, 0, 0), NotAfter: time.Now().AddDate(0, -1, 0)})
	main, _ = shown(certificateLines(expired.Cert, signer.CheckCertificate(expired.Cert, time.Now())))
	if !strings.Contains(main, "Holder: Jan Peeters") || !strings.Contains(main, "expired") {
		t.Errorf("a refused certificate should say whose it is and why:\n%s", main)
	}
}
