// Package media checks uploaded images, makes their thumbnails and keeps
// the files in a Storage. An upload is judged by its content (magic bytes and
// a decoded header), never by its file name or declared type.
package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // decoder
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // decoder

	"github.com/fupinmarket/market/internal/platform/errs"
)

// Limits of an upload.
const (
	MaxBytes  = 5 << 20    // 5 MiB
	MaxPixels = 40_000_000 // decoded size guard against decompression bombs
	MinSide   = 64
)

// ThumbWidths are the widths of the scaled copies made on upload.
var ThumbWidths = []int{320, 640, 1280}

// Image is a checked upload with its thumbnails, ready to store.
type Image struct {
	Key         string // hex SHA-256 of the original: content-addressed
	ContentType string // image/jpeg, image/png or image/webp
	Width       int
	Height      int
	Original    []byte
	Thumbs      []Thumb
}

// Thumb is one JPEG copy, Width pixels wide (never wider than the original).
type Thumb struct {
	Width int
	Data  []byte
}

var allowed = map[string]string{"image/jpeg": "jpeg", "image/png": "png", "image/webp": "webp"}

// Process checks data and makes the thumbnails. Too large uploads are
// errs.TooLarge (413); anything that is not a JPEG, PNG or WebP image is a
// 422 on field "file".
func Process(data []byte) (*Image, error) {
	if len(data) > MaxBytes {
		return nil, &errs.Error{Kind: errs.TooLarge, Message: fmt.Sprintf("the image is larger than %d MB", MaxBytes>>20),
			Fields: map[string]string{"file": "must be at most 5 MB"}}
	}
	if len(data) == 0 {
		return nil, errs.Validation("the upload is empty", map[string]string{"file": "required"})
	}
	ctype := http.DetectContentType(data)
	format, ok := allowed[ctype]
	if !ok {
		return nil, errs.Validation("the file is not an image", map[string]string{"file": "must be a JPEG, PNG or WebP image"})
	}
	cfg, gotFormat, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || gotFormat != format {
		return nil, errs.Validation("the image cannot be read", map[string]string{"file": "is not a readable JPEG, PNG or WebP image"})
	}
	if cfg.Width < MinSide || cfg.Height < MinSide {
		return nil, errs.Validation("the image is too small", map[string]string{"file": fmt.Sprintf("must be at least %d×%d pixels", MinSide, MinSide)})
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, errs.Validation("the image has too many pixels", map[string]string{"file": "must have at most 40 megapixels"})
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, errs.Validation("the image cannot be read", map[string]string{"file": "is damaged or truncated"})
	}
	sum := sha256.Sum256(data)
	img := &Image{Key: hex.EncodeToString(sum[:]), ContentType: ctype, Width: cfg.Width, Height: cfg.Height, Original: data}
	var widths []int
	for _, w := range ThumbWidths {
		widths = append(widths, min(w, cfg.Width))
		if w >= cfg.Width {
			break
		}
	}
	// Largest first, each scaled from the one before: cheaper than scaling
	// the original every time, and no step shrinks by more than about 2×.
	img.Thumbs = make([]Thumb, len(widths))
	from := src
	for i := len(widths) - 1; i >= 0; i-- {
		dst := thumbnail(from, widths[i], cfg.Width, cfg.Height)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 82}); err != nil {
			return nil, fmt.Errorf("encode thumbnail: %w", err)
		}
		img.Thumbs[i] = Thumb{Width: widths[i], Data: buf.Bytes()}
		from = dst
	}
	return img, nil
}

// thumbnail scales src to width w, keeping the original's aspect ratio
// (width × height), onto white: transparent PNGs get a white background.
// BiLinear is x/image/draw's kernel scaler, which widens its kernel when
// shrinking (no aliasing) at about a quarter of CatmullRom's cost.
func thumbnail(src image.Image, w, width, height int) *image.RGBA {
	h := max(1, height*w/width)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	if src.Bounds().Dx() == w && src.Bounds().Dy() == h {
		draw.Draw(dst, dst.Bounds(), src, src.Bounds().Min, draw.Over)
		return dst
	}
	draw.BiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Over, nil)
	return dst
}

// Name of the original and of the thumbnails in storage.
func OriginalName(key, contentType string) string { return key + "." + allowed[contentType] }

// ThumbName is the stored name of key's thumbnail of width w.
func ThumbName(key string, w int) string { return fmt.Sprintf("%s-%d.jpg", key, w) }

// Store writes the original and every thumbnail of img.
func Store(ctx context.Context, st Storage, img *Image) error {
	if err := st.Put(ctx, OriginalName(img.Key, img.ContentType), img.Original); err != nil {
		return err
	}
	for _, t := range img.Thumbs {
		if err := st.Put(ctx, ThumbName(img.Key, t.Width), t.Data); err != nil {
			return err
		}
	}
	return nil
}

// Storage keeps named files. Names are flat: [0-9a-f]+(-[0-9]+)?.(jpg|jpeg|png|webp).
type Storage interface {
	Put(ctx context.Context, name string, data []byte) error
	Open(ctx context.Context, name string) (io.ReadCloser, int64, error)
}

// ErrNotFound is returned by Open for a name that is not stored.
var ErrNotFound = errors.New("media: not found")

var namePattern = regexp.MustCompile(`^[0-9a-f]{32,64}(-[0-9]{1,5})?\.(jpg|jpeg|png|webp)$`)

// ValidName reports whether name can be a stored file's name.
func ValidName(name string) bool { return namePattern.MatchString(name) }

// Dir stores files in a directory (cfg.DataDir + "/uploads"), two levels
// deep by the name's first characters.
type Dir struct{ root string }

// NewDir returns a Dir storage rooted at root; directories are made on the
// first Put.
func NewDir(root string) *Dir { return &Dir{root: root} }

func (d *Dir) path(name string) (string, error) {
	if !ValidName(name) {
		return "", fmt.Errorf("media: invalid name %q", name)
	}
	return filepath.Join(d.root, name[:2], name), nil
}

// Put writes data under name atomically (write to a temporary file, then
// rename). Names are content-addressed, so an existing file is kept.
func (d *Dir) Put(_ context.Context, name string, data []byte) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".up-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// Open returns the file's content and size.
func (d *Dir) Open(_ context.Context, name string) (io.ReadCloser, int64, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, 0, ErrNotFound
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}
