package mail

import "strings"

// Text is one message's words in one language.
type Text struct {
	Subject string
	Body    string // paragraphs, without the closing note
	Note    string // one closing line ("if this was not you, ignore it"), may be empty
}

// languageOrder is the order of a message in every language: the
// service's default first, then the region's, then English.
var languageOrder = []string{"zh-CN", "ug", "en"}

// InLanguage composes a message for a reader of lang from its words in
// each language: lang's alone when texts has it, else all of them, since
// nothing says which one the recipient reads.
func InLanguage(to, lang string, texts map[string]Text) Message {
	if t, ok := texts[lang]; ok {
		body := t.Body
		if t.Note != "" {
			body += "\n\n" + t.Note
		}
		return Message{To: to, Subject: t.Subject, Body: body + "\n"}
	}
	var subjects, bodies, notes []string
	for _, l := range languageOrder {
		t, ok := texts[l]
		if !ok {
			continue
		}
		subjects, bodies = append(subjects, t.Subject), append(bodies, t.Body)
		if t.Note != "" {
			notes = append(notes, t.Note)
		}
	}
	body := strings.Join(bodies, "\n\n")
	if len(notes) > 0 {
		body += "\n\n" + strings.Join(notes, " · ")
	}
	return Message{To: to, Subject: strings.Join(subjects, " · "), Body: body + "\n"}
}
