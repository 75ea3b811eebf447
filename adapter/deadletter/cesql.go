package deadletter

import (
	"errors"
	"fmt"

	"github.com/antlr/antlr4/runtime/Go/antlr"
	cesql "github.com/cloudevents/sdk-go/sql/v2"
	cesqlgen "github.com/cloudevents/sdk-go/sql/v2/gen"
	cesqlparser "github.com/cloudevents/sdk-go/sql/v2/parser"
)

// syntaxErrors keeps the first syntax error of the CESQL lexer or parser
// (antlr's default listener would print to stderr), as wiring.ValidateCESQL
// does for the plugin: the library's Parse panics on some incomplete
// expressions ("type = ") instead of returning an error.
type syntaxErrors struct {
	antlr.DefaultErrorListener
	first string
}

func (s *syntaxErrors) SyntaxError(_ antlr.Recognizer, _ interface{}, _, column int, msg string, _ antlr.RecognitionException) {
	if s.first == "" {
		s.first = fmt.Sprintf("position %d: %s", column+1, msg)
	}
}

// parseCESQL parses expr with Knative's CESQL grammar, or says why it does not parse.
func parseCESQL(expr string) (e cesql.Expression, err error) {
	if expr == "" {
		return nil, errors.New("the expression is empty")
	}
	listener := &syntaxErrors{}
	lexer := cesqlgen.NewCESQLParserLexer(cesqlparser.NewCaseChangingStream(antlr.NewInputStream(expr), true))
	lexer.RemoveErrorListeners()
	lexer.AddErrorListener(listener)
	p := cesqlgen.NewCESQLParserParser(antlr.NewCommonTokenStream(lexer, antlr.TokenDefaultChannel))
	p.RemoveErrorListeners()
	p.AddErrorListener(listener)
	p.Cesql()
	if listener.first != "" {
		return nil, fmt.Errorf("%q: %s", expr, listener.first)
	}
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("%q does not parse", expr)
		}
	}()
	return cesqlparser.Parse(expr)
}
