package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/signer"
	"github.com/expeditor-be/expeditor/uploader"
)

// The transfer point signs its replies (an FS next to each FO or CO):
// "replies" shows, with each reply, whether that signature is valid and by
// whom, missing, or INVALID; an untrusted reply makes it exit 1.

// sigWords are the signature lines of the replies report, per language.
var sigWords = map[string]map[string]string{
	batch.English: {
		"label": "signature", "valid": "valid, by %s", "ts": "timestamped %s", "pinned": "first seen: this signer is now pinned for %s",
		"repinned": "accepted in place of %s", "unsigned": "none (the reply came without an FS)",
		"invalid": "INVALID: %s. Do not trust this reply", "chained": "issued by a trusted CA",
		"changed": "valid, but by another certificate than before: %s (%s) instead of %s, pinned on %s. Do not trust this reply until you know why",
		"format":  "the FS is not a readable signature", "digest": "the reply is not the file that was signed (changed, or the FS of another reply)",
		"signature": "the signature value does not match", "certificate": "the signer's certificate is missing or was not valid when it signed",
		"chain": "the signer is not issued by a CA given with --trust", "timestamp": "its timestamp is not valid or not about this signature",
		"other": "it cannot be checked",
	},
	batch.French: {
		"label": "signature", "valid": "valide, par %s", "ts": "horodatée le %s", "pinned": "première rencontre : ce signataire est désormais retenu pour %s",
		"repinned": "accepté à la place de %s", "unsigned": "aucune (la réponse est arrivée sans FS)",
		"invalid": "NON VALIDE : %s. Ne vous fiez pas à cette réponse", "chained": "émise par une autorité de confiance",
		"changed": "valide, mais par un autre certificat qu'avant : %s (%s) au lieu de %s, retenu le %s. Ne vous fiez pas à cette réponse avant de savoir pourquoi",
		"format":  "le FS n'est pas une signature lisible", "digest": "la réponse n'est pas le fichier signé (modifiée, ou le FS d'une autre réponse)",
		"signature": "la valeur de la signature ne correspond pas", "certificate": "le certificat du signataire manque ou n'était pas valable lors de la signature",
		"chain": "le signataire n'est pas émis par une autorité donnée avec --trust", "timestamp": "son horodatage n'est pas valable ou ne porte pas sur cette signature",
		"other": "elle ne peut pas être vérifiée",
	},
	batch.Dutch: {
		"label": "handtekening", "valid": "geldig, door %s", "ts": "met tijdstempel %s", "pinned": "eerste keer gezien: deze ondertekenaar is nu vastgelegd voor %s",
		"repinned": "aanvaard in plaats van %s", "unsigned": "geen (het antwoord kwam zonder FS)",
		"invalid": "ONGELDIG: %s. Vertrouw dit antwoord niet", "chained": "uitgegeven door een vertrouwde CA",
		"changed": "geldig, maar door een ander certificaat dan voorheen: %s (%s) in plaats van %s, vastgelegd op %s. Vertrouw dit antwoord niet tot u weet waarom",
		"format":  "de FS is geen leesbare handtekening", "digest": "het antwoord is niet het ondertekende bestand (gewijzigd, of de FS van een ander antwoord)",
		"signature": "de handtekeningwaarde klopt niet", "certificate": "het certificaat van de ondertekenaar ontbreekt of was niet geldig bij het ondertekenen",
		"chain": "de ondertekenaar is niet uitgegeven door een CA gegeven met --trust", "timestamp": "de tijdstempel is niet geldig of gaat niet over deze handtekening",
		"other": "ze kan niet gecontroleerd worden",
	},
	batch.German: {
		"label": "Signatur", "valid": "gültig, von %s", "ts": "Zeitstempel %s", "pinned": "zum ersten Mal gesehen: dieser Unterzeichner ist jetzt für %s festgelegt",
		"repinned": "anstelle von %s angenommen", "unsigned": "keine (die Antwort kam ohne FS)",
		"invalid": "UNGÜLTIG: %s. Vertrauen Sie dieser Antwort nicht", "chained": "von einer vertrauenswürdigen CA ausgestellt",
		"changed": "gültig, aber von einem anderen Zertifikat als bisher: %s (%s) statt %s, festgelegt am %s. Vertrauen Sie dieser Antwort nicht, bis Sie den Grund kennen",
		"format":  "die FS ist keine lesbare Signatur", "digest": "die Antwort ist nicht die signierte Datei (geändert, oder die FS einer anderen Antwort)",
		"signature": "der Signaturwert stimmt nicht", "certificate": "das Zertifikat des Unterzeichners fehlt oder war beim Signieren nicht gültig",
		"chain": "der Unterzeichner ist nicht von einer mit --trust angegebenen CA ausgestellt", "timestamp": "sein Zeitstempel ist ungültig oder betrifft nicht diese Signatur",
		"other": "sie kann nicht geprüft werden",
	},
}

// printSignature writes the signature line of one reply.
func printSignature(out io.Writer, c *uploader.SignatureCheck, account, lang string) {
	if c == nil {
		return
	}
	w := sigWords[lang]
	colon := repliesWords[lang][":"]
	var line string
	switch c.Status {
	case uploader.SignatureUnsigned:
		line = w["unsigned"]
	case uploader.SignatureInvalid:
		why := w["other"]
		var se *signer.ReplySignatureError
		if errors.As(c.Err, &se) {
			if s, ok := w[se.Code]; ok {
				why = s
			}
		}
		line = fmt.Sprintf(w["invalid"], why)
	case uploader.SignatureValid, uploader.SignatureChanged:
		s := c.Signature
		if c.Status == uploader.SignatureChanged {
			line = fmt.Sprintf(w["changed"], s.SignerName(), "SHA256:"+s.Fingerprint, c.Previous.Subject, c.Previous.Since.Local().Format("2006-01-02"))
		} else {
			line = fmt.Sprintf(w["valid"], s.SignerName())
			if s.Chained {
				line += ", " + w["chained"]
			}
		}
		if s.Timestamp != nil {
			line += ", " + fmt.Sprintf(w["ts"], s.Timestamp.Time.Local().Format("2006-01-02 15:04:05 MST"))
		}
		if c.Pinned && c.Previous != nil {
			line += "; " + fmt.Sprintf(w["repinned"], c.Previous.Subject)
		} else if c.Pinned {
			line += "; " + fmt.Sprintf(w["pinned"], account)
		}
	}
	fmt.Fprintf(out, "  %s%s %s\n", w["label"], colon, line)
}

// untrustedReplies is the error of a replies run that met replies whose
// signature does not hold, or nil.
func untrustedReplies(got []uploader.FetchedReply) error {
	n, changed := 0, ""
	for _, r := range got {
		if r.Signature.Untrusted() {
			n++
			if r.Signature.Status == uploader.SignatureChanged {
				changed = r.Signature.Signature.Fingerprint
			}
		}
	}
	if n == 0 {
		return nil
	}
	err := fmt.Errorf("%d %s an INVALID or unexpected signature: do not trust %s", n, plural(n, "reply has", "replies have"), plural(n, "it", "them"))
	if changed != "" {
		return withHint(err, "if the transfer point renewed its certificate (check with the social security), accept the new one with --accept-signer SHA256:%s", changed)
	}
	return withHint(err, "the replies are kept as they came; ask the social security's service desk about them")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
