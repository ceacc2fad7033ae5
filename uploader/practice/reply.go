package practice

import (
	"bytes"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/atomicfile"
)

// writeReply writes FO.<KIND>.999999.<date>.<seq>.<env> in dir, then its
// empty GO (last, as the transfer point does), and returns the FO name.
func (s *Server) writeReply(user, dir string, env batch.Environment, kind string, body []byte) (string, error) {
	date := s.now().Format(batch.DateLayout)
	key := user + "." + date + "." + string(env)
	for {
		s.st.Replies[key]++
		seq := s.st.Replies[key]
		if seq > 99999 {
			return "", fmt.Errorf("no reply sequence number left for %s", date)
		}
		name := fmt.Sprintf("FO.%s.%s.%s.%05d.%s", kind, batch.ReplySender, date, seq, env)
		err := atomicfile.WriteNew(filepath.Join(dir, name), body, 0o600)
		if os.IsExist(err) {
			continue // the sender kept an older reply of that name
		}
		if err != nil {
			return "", err
		}
		goName := fmt.Sprintf("GO.%s.%s.%s.%05d.%s", kind, batch.ReplySender, date, seq, env)
		if err := atomicfile.WriteFile(filepath.Join(dir, goName), nil, 0o600); err != nil {
			return "", err
		}
		return name, nil
	}
}

// The reply documents follow the shapes of real ACRF and NOTI files: no
// namespace, a quarterly schema named on the root, the elements a reader
// looks at. A comment says where they come from.

type fileReference struct {
	FileName        string `xml:"FileName"`
	ReferenceOrigin int    `xml:"ReferenceOrigin"`
	ReferenceNbr    string `xml:"ReferenceNbr"`
}

type formHead struct {
	Identification    string `xml:"Identification"`
	FormCreationDate  string `xml:"FormCreationDate"`
	FormCreationHour  string `xml:"FormCreationHour"`
	AttestationStatus int    `xml:"AttestationStatus"`
	TypeForm          string `xml:"TypeForm"`
}

type acrfDoc struct {
	XMLName xml.Name `xml:"ACRF"`
	XSI     string   `xml:"xmlns:xsi,attr"`
	Schema  string   `xml:"xsi:noNamespaceSchemaLocation,attr"`
	Comment xml.Comment
	Form    struct {
		formHead
		FileReference   fileReference `xml:"FileReference"`
		ReceptionResult struct {
			ResultCode int      `xml:"ResultCode"`
			ErrorID    []string `xml:"ErrorID"`
		} `xml:"ReceptionResult"`
	} `xml:"Form"`
}

type notiDoc struct {
	XMLName xml.Name `xml:"NOTIFICATION"`
	XSI     string   `xml:"xmlns:xsi,attr"`
	Schema  string   `xml:"xsi:noNamespaceSchemaLocation,attr"`
	Comment xml.Comment
	Form    struct {
		formHead
		FileReference       fileReference `xml:"FileReference"`
		HandledOriginalForm struct {
			Identification string `xml:"Identification"`
			TypeForm       string `xml:"TypeForm"`
		} `xml:"HandledOriginalForm"`
		HandlingResult struct {
			ResultCode int    `xml:"ResultCode"`
			Diagnosis  string `xml:"Diagnosis,omitempty"`
		} `xml:"HandlingResult"`
	} `xml:"Form"`
}

const practiceComment = " Expeditor practice transfer point: practice answer, not from the social security "

func head(id string, now time.Time) formHead {
	return formHead{Identification: id, FormCreationDate: now.Format("2006-01-02"),
		FormCreationHour: now.Format("15:04:05.000"), TypeForm: "FA"}
}

func schema(kind string, now time.Time) string {
	return fmt.Sprintf("%s_%d%d.xsd", kind, now.Year(), (int(now.Month())-1)/3+1)
}

// acrf is the acknowledgement of receipt for file: ResultCode 1 without
// codes, 0 with one ErrorID ACRF-nnn per code.
func acrf(now time.Time, file string, codes []int) []byte {
	var d acrfDoc
	d.XSI, d.Schema, d.Comment = "http://www.w3.org/2001/XMLSchema-instance", schema("ACRF", now), xml.Comment(practiceComment)
	d.Form.formHead = head("ACRF001", now)
	d.Form.FileReference = fileReference{FileName: file, ReferenceOrigin: 2, ReferenceNbr: referenceNbr()}
	if len(codes) == 0 {
		d.Form.ReceptionResult.ResultCode = 1
	}
	for _, c := range codes {
		d.Form.ReceptionResult.ErrorID = append(d.Form.ReceptionResult.ErrorID, fmt.Sprintf("ACRF-%03d", c))
	}
	return marshal(d)
}

// handledForms names the form of a declaration as notifications do.
var handledForms = map[string]string{"DIMN": "DIMONA", "FLEX": "FLXWAGE"}

// noti is the notification that an accepted set was processed.
func noti(now time.Time, goName, app string) []byte {
	var d notiDoc
	d.XSI, d.Schema, d.Comment = "http://www.w3.org/2001/XMLSchema-instance", schema("NOTI", now), xml.Comment(practiceComment)
	d.Form.formHead = head("NOTI001", now)
	d.Form.FileReference = fileReference{FileName: goName, ReferenceOrigin: 2, ReferenceNbr: referenceNbr()}
	d.Form.HandledOriginalForm.Identification = app
	if f, ok := handledForms[app]; ok {
		d.Form.HandledOriginalForm.Identification = f
	}
	d.Form.HandledOriginalForm.TypeForm = "SU"
	d.Form.HandlingResult.ResultCode = 1
	d.Form.HandlingResult.Diagnosis = "accepted by the practice transfer point; nothing was declared"
	return marshal(d)
}

func marshal(v any) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err) // fixed shapes: cannot fail
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// referenceNbr makes a 13-character reference like the real ones
// (0123ABCDEF45Z); the final P marks a practice reference.
func referenceNbr() string {
	const digits, hex = "0123456789", "0123456789ABCDEF"
	pick := func(set string) byte {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		return set[n.Int64()]
	}
	b := make([]byte, 0, 13)
	for i := 0; i < 4; i++ {
		b = append(b, pick(digits))
	}
	for i := 0; i < 6; i++ {
		b = append(b, pick(hex))
	}
	b = append(b, pick(digits), pick(digits), 'P')
	return string(b)
}
