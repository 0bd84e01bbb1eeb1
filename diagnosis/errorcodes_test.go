package diagnosis_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/onboard-check/onboard-check/diagnosis"
)

func loadKB(tb testing.TB) *diagnosis.KnowledgeBase {
	tb.Helper()
	kb, err := diagnosis.LoadKnowledgeBase()
	if err != nil {
		tb.Fatalf("LoadKnowledgeBase() error = %v", err)
	}
	return kb
}

func TestKnowledgeBaseMappings(t *testing.T) {
	t.Parallel()
	kb := loadKB(t)
	tests := []struct {
		name string
		code int
		want diagnosis.FindingCode
	}{
		{"blocked by Conditional Access", 53003, diagnosis.CodeCABlock},
		{"blocked by security defaults", 530035, diagnosis.CodeCABlock},
		{"cross-tenant inbound block", 500213, diagnosis.CodeCABlock},
		{"MFA challenge not passed", 50074, diagnosis.CodeCAMFARequired},
		{"MFA required", 50076, diagnosis.CodeCAMFARequired},
		{"MFA failed", 500121, diagnosis.CodeCAMFARequired},
		{"external security challenge", 50158, diagnosis.CodeCAMFARequired},
		{"MFA at federated IdP", 53007, diagnosis.CodeCAMFARequired},
		{"MFA registration required", 50079, diagnosis.CodeMFARegistration},
		{"MFA registration interrupt", 50072, diagnosis.CodeMFARegistration},
		{"registration blocked by risk", 53004, diagnosis.CodeMFARegistration},
		{"compliant device", 53000, diagnosis.CodeCACompliantDevice},
		{"managed device", 530003, diagnosis.CodeCACompliantDevice},
		{"guest compliant device trust", 530004, diagnosis.CodeCACompliantDevice},
		{"hybrid joined device", 53001, diagnosis.CodeCADomainJoinedDevice},
		{"approved client app", 53002, diagnosis.CodeCAApprovedApp},
		{"app protection policy", 53009, diagnosis.CodeCAApprovedApp},
		{"unsupported platform", 50005, diagnosis.CodeCAOtherControl},
		{"password change by policy", 50142, diagnosis.CodeCAOtherControl},
		{"registration from trusted place only", 53010, diagnosis.CodeCAOtherControl},
		{"account disabled", 50057, diagnosis.CodeAccountDisabled},
		{"guest disabled", 500571, diagnosis.CodeAccountDisabled},
		{"smart lockout", 50053, diagnosis.CodeAccountLocked},
		{"password expired", 50055, diagnosis.CodePasswordExpired},
		{"on-premises password expired", 50144, diagnosis.CodePasswordExpired},
		{"wrong password", 50126, diagnosis.CodeInvalidCredentials},
		{"consent missing", 65001, diagnosis.CodeConsentRequired},
		{"consent declined", 65004, diagnosis.CodeConsentRequired},
		{"admin consent", 90094, diagnosis.CodeConsentRequired},
		{"not assigned", 50105, diagnosis.CodeAppAssignmentRequired},
		{"risk on home tenant", 53011, diagnosis.CodeRiskBlocked},
		{"risky user security policy", 530032, diagnosis.CodeRiskBlocked},
		{"invalid grant", 70000, diagnosis.CodeSessionExpired},
		{"app session selection", 160021, diagnosis.CodeSessionExpired},
		{"refresh token needs social IdP", 50085, diagnosis.CodeSessionExpired},
		{"MSA session without refresh token", 50139, diagnosis.CodeSessionExpired},
		{"WS-Trust token expired", 90086, diagnosis.CodeSessionExpired},
		{"LinkedIn consent", 52004, diagnosis.CodeConsentRequired},
		{"Graph refused delegated access", 90093, diagnosis.CodeConsentRequired},
		{"password change: wrong current password", 120000, diagnosis.CodeInvalidCredentials},
		{"password change: new password weak", 120002, diagnosis.CodePasswordExpired},
		{"password change: on-premises complexity", 120004, diagnosis.CodePasswordExpired},
		{"password change: must happen on-premises", 120012, diagnosis.CodePasswordExpired},
		{"password change: writeback unreachable", 120013, diagnosis.CodePasswordExpired},
		{"password change: on-premises account locked", 120014, diagnosis.CodeAccountLocked},
		{"password change: banned password", 120018, diagnosis.CodePasswordExpired},
		{"password change: partner service error", 120021, diagnosis.CodePasswordExpired},
		{"compromised password", 50135, diagnosis.CodeRiskBlocked},
		{"no such user", 50034, diagnosis.CodeUserNotFound},
		{"guest not redeemed", 50014, diagnosis.CodeUserNotFound},
		{"tenant not found", 90002, diagnosis.CodeUserNotFound},
		{"session revoked by password change", 50133, diagnosis.CodeSessionExpired},
		{"grant revoked", 50173, diagnosis.CodeSessionExpired},
		{"refresh token expired", 70008, diagnosis.CodeSessionExpired},
		{"refresh token inactive", 700082, diagnosis.CodeSessionExpired},
		{"flow token expired", 50089, diagnosis.CodeSessionExpired},
		{"sign-in frequency refresh token", 70043, diagnosis.CodeCASignInFrequency},
		{"sign-in frequency session", 70044, diagnosis.CodeCASignInFrequency},
		{"expired assertion", 500133, diagnosis.CodeTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			info, ok := kb.Lookup(tt.code)
			if !ok {
				t.Fatalf("Lookup(%d) found nothing, want %q", tt.code, tt.want)
			}
			if info.Finding != tt.want {
				t.Errorf("Lookup(%d).Finding = %q, want %q", tt.code, info.Finding, tt.want)
			}
			if info.Interrupt {
				t.Errorf("Lookup(%d).Interrupt = true, want false: the failure must be reported", tt.code)
			}
		})
	}
}

func TestKnowledgeBaseInterrupts(t *testing.T) {
	t.Parallel()
	kb := loadKB(t)
	tests := []struct {
		name string
		code int
		want bool
	}{
		{"keep me signed in", 50140, true},
		{"silent sign-in without session", 50058, true},
		{"account picker", 16000, true},
		{"account selection invalid", 16001, true},
		{"device authentication challenge", 50097, true},
		{"password reset registration", 50125, true},
		{"seamless SSO ticket expired", 81010, true},
		{"seamless SSO other user", 81012, true},
		{"app confirmation", 50199, true},
		{"device code pending", 70016, true},
		{"MFA challenge is reported", 50074, false},
		{"MFA requirement is reported", 50076, false},
		{"MFA registration is reported", 50072, false},
		{"Conditional Access block is reported", 53003, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			info, ok := kb.Lookup(tt.code)
			if !ok {
				t.Fatalf("Lookup(%d) found nothing", tt.code)
			}
			if info.Interrupt != tt.want {
				t.Errorf("Lookup(%d).Interrupt = %v, want %v", tt.code, info.Interrupt, tt.want)
			}
		})
	}
}

// TestKnowledgeBaseEntries checks every entry the way LoadKnowledgeBase
// promises: valid finding, every language explained, equal step counts.
func TestKnowledgeBaseEntries(t *testing.T) {
	t.Parallel()
	kb := loadKB(t)
	codes := kb.Codes()
	if len(codes) < 80 {
		t.Errorf("len(Codes()) = %d, want at least 80", len(codes))
	}
	for _, code := range codes {
		info, ok := kb.Lookup(code)
		if !ok {
			t.Errorf("Lookup(%d) found nothing, but Codes() lists it", code)
			continue
		}
		if info.Code != code {
			t.Errorf("Lookup(%d).Code = %d", code, info.Code)
		}
		if info.Name == "" {
			t.Errorf("Lookup(%d).Name is empty", code)
		}
		if !info.Finding.Valid() {
			t.Errorf("Lookup(%d).Finding = %q, not a finding code", code, info.Finding)
		}
		if len(info.Text) != len(diagnosis.Languages()) {
			t.Errorf("Lookup(%d).Text has %d languages, want %d", code, len(info.Text), len(diagnosis.Languages()))
		}
		en := info.Text[diagnosis.FallbackLang]
		for _, lang := range diagnosis.Languages() {
			tx, ok := info.Text[lang]
			if !ok || strings.TrimSpace(tx.Explanation) == "" {
				t.Errorf("code %d: no %s explanation", code, lang)
				continue
			}
			if len(tx.Remediation) != len(en.Remediation) {
				t.Errorf("code %d: %s has %d remediation steps, en has %d", code, lang, len(tx.Remediation), len(en.Remediation))
			}
			for i, s := range tx.Remediation {
				if strings.TrimSpace(s) == "" {
					t.Errorf("code %d: %s remediation step %d is empty", code, lang, i)
				}
			}
			if lang != diagnosis.FallbackLang && tx.Explanation == en.Explanation {
				t.Errorf("code %d: %s explanation is the English one, not a translation", code, lang)
			}
			got, ok := kb.Text(code, lang)
			if !ok || got.Explanation != tx.Explanation {
				t.Errorf("Text(%d, %q) = %q, %v, want %q, true", code, lang, got.Explanation, ok, tx.Explanation)
			}
		}
	}
}

func TestKnowledgeBaseCodes(t *testing.T) {
	t.Parallel()
	kb := loadKB(t)
	codes := kb.Codes()
	if !slices.IsSorted(codes) {
		t.Errorf("Codes() is not sorted")
	}
	if len(slices.Compact(slices.Clone(codes))) != len(codes) {
		t.Errorf("Codes() holds duplicates")
	}
	codes[0] = -1
	if kb.Codes()[0] == -1 {
		t.Errorf("Codes() returned the knowledge base's own slice; a change by the caller leaked into it")
	}
}

func TestKnowledgeBaseUnknownCode(t *testing.T) {
	t.Parallel()
	kb := loadKB(t)
	for _, code := range []int{0, -53003, 1, 99999, 123456789} {
		if info, ok := kb.Lookup(code); ok {
			t.Errorf("Lookup(%d) = %+v, true, want not found", code, info)
		}
		if tx, ok := kb.Text(code, "en"); ok {
			t.Errorf("Text(%d, en) = %+v, true, want not found", code, tx)
		}
	}
}

func TestKnowledgeBaseTextFallback(t *testing.T) {
	t.Parallel()
	kb := loadKB(t)
	en, ok := kb.Text(53003, "en")
	if !ok {
		t.Fatal("Text(53003, en) found nothing")
	}
	for _, lang := range []string{"de", "", "EN-us"} {
		got, ok := kb.Text(53003, lang)
		if !ok || got.Explanation != en.Explanation || !slices.Equal(got.Remediation, en.Remediation) {
			t.Errorf("Text(53003, %q) = %+v, %v, want the English text", lang, got, ok)
		}
	}
	nl, ok := kb.Text(53003, "nl")
	if !ok || nl.Explanation == en.Explanation || !strings.Contains(nl.Explanation, "voorwaardelijke toegang") {
		t.Errorf("Text(53003, nl) = %q, %v, want the Dutch text", nl.Explanation, ok)
	}
}

func TestKnowledgeBaseConcurrentUse(t *testing.T) {
	t.Parallel()
	kb := loadKB(t)
	codes := kb.Codes()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, c := range codes {
				if _, ok := kb.Lookup(c); !ok {
					t.Errorf("Lookup(%d) found nothing", c)
				}
				kb.Text(c, "nl")
			}
		})
	}
	wg.Wait()
}

func TestLookupURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code int
		want string
	}{
		{53003, "https://login.microsoftonline.com/error?code=53003"},
		{500121, "https://login.microsoftonline.com/error?code=500121"},
	}
	for _, tt := range tests {
		if got := diagnosis.LookupURL(tt.code); got != tt.want {
			t.Errorf("LookupURL(%d) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	kb := loadKB(b)
	codes := kb.Codes()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := kb.Lookup(codes[i%len(codes)]); !ok {
			b.Fatal("Lookup of a listed code found nothing")
		}
		i++
	}
}
