package app

import (
	"crypto/x509"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/expeditor-be/expeditor/signer"
)

// The main flow speaks the user's words: a certificate is its holder's
// name and the date it is valid until, an account is its name. What the
// support desk asks for (the certificate's full subject and issuer, its
// key, the server's address and port) is one click away, in a closed
// "Details" section.

// details is a closed "Details" section holding content.
func details(content fyne.CanvasObject) *widget.Accordion {
	return widget.NewAccordion(widget.NewAccordionItem(lang.L("details"), content))
}

// certificateLines are the lines of a certificate check: what the check
// found that the user must know (warnings, refusals), then the technical
// lines in Details. The holder's name and "valid until" come first when
// the certificate is refused; otherwise the step's "Certificate ready"
// line says them, and they open the Details.
func certificateLines(cert *x509.Certificate, findings []signer.Finding) []fyne.CanvasObject {
	line := iconLine
	var out, technical []fyne.CanvasObject
	who := []fyne.CanvasObject{
		line(theme.AccountIcon(), widget.MediumImportance, lang.L("cert.holder", map[string]any{"Name": certHolder(cert)})),
		line(theme.CalendarIcon(), widget.MediumImportance, lang.L("cert.until", map[string]any{"Date": cert.NotAfter.Local().Format("02/01/2006")})),
	}
	if signer.BlockingError(findings) != nil {
		out = append(out, who...)
	} else {
		technical = append(technical, who...)
	}
	for _, f := range findings {
		switch f.Severity {
		case signer.Warning:
			out = append(out, line(theme.WarningIcon(), widget.WarningImportance, findingText(f)))
		case signer.Blocking:
			out = append(out, line(theme.ErrorIcon(), widget.DangerImportance, findingText(f)))
		default:
			l := widget.NewLabel(findingText(f))
			l.Wrapping = fyne.TextWrapWord
			technical = append(technical, l)
		}
	}
	if len(technical) > 0 {
		out = append(out, details(container.NewVBox(technical...)))
	}
	return out
}

// iconLine is a line of text after an icon, wrapped at the width it gets.
func iconLine(icon fyne.Resource, imp widget.Importance, text string) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = imp
	return container.NewBorder(nil, nil, widget.NewIcon(icon), nil, l)
}

// certHolder is the name of a certificate's holder, as a person reads it.
func certHolder(cert *x509.Certificate) string {
	if cert.Subject.CommonName != "" {
		return cert.Subject.CommonName
	}
	if len(cert.Subject.Organization) > 0 {
		return cert.Subject.Organization[0]
	}
	return cert.Subject.String()
}
