package household

import (
	"bufio"
	"bytes"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Encodings an import file may use.
const (
	EncodingUTF8    = "UTF-8"
	EncodingGB18030 = "GB18030"
)

// sniffWindow is how many bytes from the first non-ASCII byte decide the
// encoding. Real GB18030 text is never valid UTF-8 for that long.
const sniffWindow = 4096

// decoder turns an import file into UTF-8 as it streams: a UTF-8 BOM means
// UTF-8; otherwise ASCII passes through (it is the same in both encodings)
// until the first non-ASCII byte, where the next sniffWindow bytes decide —
// valid UTF-8 stays UTF-8, anything else is decoded as GB18030. Memory stays
// bounded by the buffer whatever the file's size.
type decoder struct {
	br       *bufio.Reader
	out      io.Reader // set once the encoding is known
	encoding string
}

func newDecoder(r io.Reader) *decoder {
	d := &decoder{br: bufio.NewReaderSize(r, 2*sniffWindow)}
	if b, _ := d.br.Peek(3); bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		d.br.Discard(3)
		d.decide(EncodingUTF8)
	}
	return d
}

// Encoding is the encoding detected so far: "" while only ASCII was read.
func (d *decoder) Encoding() string { return d.encoding }

func (d *decoder) decide(enc string) {
	d.encoding = enc
	if enc == EncodingGB18030 {
		d.out = transform.NewReader(d.br, simplifiedchinese.GB18030.NewDecoder())
		return
	}
	d.out = d.br
}

func (d *decoder) Read(p []byte) (int, error) {
	if d.out != nil {
		return d.out.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if _, err := d.br.Peek(1); err != nil {
		return 0, err
	}
	buf, _ := d.br.Peek(d.br.Buffered())
	i := 0
	for i < len(buf) && i < len(p) && buf[i] < utf8.RuneSelf {
		i++
	}
	if i > 0 {
		n := copy(p, buf[:i])
		d.br.Discard(n)
		return n, nil
	}
	window, err := d.br.Peek(sniffWindow)
	atEOF := err != nil
	if validUTF8Prefix(window, atEOF) {
		d.decide(EncodingUTF8)
	} else {
		d.decide(EncodingGB18030)
	}
	return d.out.Read(p)
}

// validUTF8Prefix reports whether b is valid UTF-8, allowing a rune cut off
// at the end of the window unless the input ended there.
func validUTF8Prefix(b []byte, atEOF bool) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return !atEOF && len(b) < utf8.UTFMax && !utf8.FullRune(b)
		}
		b = b[size:]
	}
	return true
}
