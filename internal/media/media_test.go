package media_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"testing"

	"github.com/fupinmarket/market/internal/media"
	"github.com/fupinmarket/market/internal/platform/errs"
)

func pngOf(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func TestProcessFormats(t *testing.T) {
	webp, err := os.ReadFile("testdata/sample.webp")
	if err != nil {
		t.Fatal(err)
	}
	var jb bytes.Buffer
	jpeg.Encode(&jb, image.NewRGBA(image.Rect(0, 0, 900, 600)), nil)
	for name, data := range map[string][]byte{"png": pngOf(200, 100), "jpeg": jb.Bytes(), "webp": webp} {
		img, err := media.Process(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(img.Thumbs) == 0 || img.Thumbs[len(img.Thumbs)-1].Width > img.Width {
			t.Errorf("%s: thumbs %d for width %d", name, len(img.Thumbs), img.Width)
		}
		for _, th := range img.Thumbs {
			cfg, format, err := image.DecodeConfig(bytes.NewReader(th.Data))
			if err != nil || format != "jpeg" || cfg.Width != th.Width {
				t.Errorf("%s: thumb %d: %v %s %d", name, th.Width, err, format, cfg.Width)
			}
		}
	}
	img, _ := media.Process(jb.Bytes())
	if len(img.Thumbs) != 3 || img.Thumbs[0].Width != 320 || img.Thumbs[1].Width != 640 || img.Thumbs[2].Width != 900 {
		t.Errorf("900 px wide image thumbs: %+v", len(img.Thumbs))
	}
}

func TestProcessRejects(t *testing.T) {
	cases := map[string]struct {
		data []byte
		kind errs.Kind
	}{
		"text named .jpg":  {[]byte("this is not a picture, whatever its name says"), errs.Invalid},
		"truncated png":    {pngOf(200, 200)[:60], errs.Invalid},
		"too small":        {pngOf(10, 10), errs.Invalid},
		"too large upload": {append(pngOf(100, 100), make([]byte, media.MaxBytes)...), errs.TooLarge},
		"gif":              {[]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), errs.Invalid},
	}
	for name, c := range cases {
		if _, err := media.Process(c.data); !errs.Is(err, c.kind) {
			t.Errorf("%s: %v, want %s", name, err, c.kind)
		}
	}
}

func TestDirStorage(t *testing.T) {
	d := media.NewDir(t.TempDir())
	ctx := context.Background()
	name := "0123456789abcdef0123456789abcdef-320.jpg"
	if err := d.Put(ctx, name, []byte("x")); err != nil {
		t.Fatal(err)
	}
	r, n, err := d.Open(ctx, name)
	if err != nil || n != 1 {
		t.Fatal(err, n)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "x" {
		t.Errorf("read %q", b)
	}
	for _, bad := range []string{"../etc/passwd", "0123456789abcdef0123456789abcdef.exe", "x.jpg"} {
		if err := d.Put(ctx, bad, nil); err == nil {
			t.Errorf("stored %q", bad)
		}
		if _, _, err := d.Open(ctx, bad); err != media.ErrNotFound {
			t.Errorf("opened %q: %v", bad, err)
		}
	}
}
