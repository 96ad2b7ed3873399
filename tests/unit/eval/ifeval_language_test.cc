// IFEval's language:response_language, scored with CLD2 (Debian's
// libcld2-dev) instead of the reference's langdetect: hand-written sentences
// in every language IFEval asks for (shared/data/ifeval: 22 codes) and
// English, the reference's rule that text without letters passes, and the
// codes CLD2 spells differently (Hebrew "iw" -> "he").
#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/ifeval_checkers.h"
#include "eval/language_id.h"

namespace entropix {
namespace {

using json = nlohmann::json;

struct Sentence {
  const char* language;
  const char* text;
};

// Written for this test (two short sentences each: "This is a simple
// sentence written in X. I like reading books.").
const Sentence kSentences[] = {
    {"hi", "यह एक सरल वाक्य है जो हिंदी में लिखा गया है। मुझे किताबें पढ़ना पसंद है।"},
    {"kn", "ಇದು ಕನ್ನಡದಲ್ಲಿ ಬರೆದ ಒಂದು ಸರಳ ವಾಕ್ಯ. ನನಗೆ ಪುಸ್ತಕಗಳನ್ನು ಓದುವುದು ಇಷ್ಟ."},
    {"mr", "हे मराठीत लिहिलेले एक साधे वाक्य आहे. मला पुस्तके वाचायला आवडतात."},
    {"vi", "Đây là một câu đơn giản được viết bằng tiếng Việt. Tôi thích đọc sách."},
    {"ko", "이것은 한국어로 쓴 간단한 문장입니다. 나는 책 읽는 것을 좋아합니다."},
    {"sw", "Hii ni sentensi rahisi iliyoandikwa kwa Kiswahili. Ninapenda kusoma vitabu."},
    {"de", "Dies ist ein einfacher Satz, der auf Deutsch geschrieben ist. Ich lese gerne Bücher."},
    {"pa", "ਇਹ ਪੰਜਾਬੀ ਵਿੱਚ ਲਿਖਿਆ ਇੱਕ ਸਧਾਰਨ ਵਾਕ ਹੈ। ਮੈਨੂੰ ਕਿਤਾਬਾਂ ਪੜ੍ਹਨਾ ਪਸੰਦ ਹੈ।"},
    {"fa", "این یک جمله ساده است که به زبان فارسی نوشته شده است. من خواندن کتاب را دوست دارم."},
    {"ru", "Это простое предложение, написанное на русском языке. Я люблю читать книги."},
    {"bg", "Това е просто изречение, написано на български език. Обичам да чета книги."},
    {"pt", "Esta é uma frase simples escrita em português. Eu gosto de ler livros."},
    {"gu", "આ ગુજરાતીમાં લખાયેલું એક સરળ વાક્ય છે. મને પુસ્તકો વાંચવા ગમે છે."},
    {"te", "ఇది తెలుగులో వ్రాసిన ఒక సాధారణ వాక్యం. నాకు పుస్తకాలు చదవడం ఇష్టం."},
    {"it", "Questa è una frase semplice scritta in italiano. Mi piace leggere libri."},
    {"ar", "هذه جملة بسيطة مكتوبة باللغة العربية. أحب قراءة الكتب."},
    {"ta", "இது தமிழில் எழுதப்பட்ட ஒரு எளிய வாக்கியம். எனக்கு புத்தகங்கள் படிக்க பிடிக்கும்."},
    {"fi", "Tämä on yksinkertainen suomeksi kirjoitettu lause. Pidän kirjojen lukemisesta."},
    {"ur", "یہ اردو میں لکھا گیا ایک سادہ جملہ ہے۔ مجھے کتابیں پڑھنا پسند ہے۔"},
    {"th", "นี่คือประโยคง่ายๆ ที่เขียนเป็นภาษาไทย ฉันชอบอ่านหนังสือ"},
    {"ne", "यो नेपालीमा लेखिएको एउटा सरल वाक्य हो। मलाई किताब पढ्न मन पर्छ।"},
    {"bn", "এটি বাংলায় লেখা একটি সহজ বাক্য। আমি বই পড়তে ভালোবাসি।"},
    {"en", "This is a simple sentence written in English. I like reading books."},
    {"he", "זה משפט פשוט שנכתב בעברית. אני אוהב לקרוא ספרים."},
    {"es", "Esta es una frase sencilla escrita en español. Me gusta leer libros."},
};

CheckResult Check(const char* language, const std::string& response) {
  return CheckStrict("language:response_language", json{{"language", language}}, response);
}

TEST(IfevalLanguage, DetectsEveryLanguageIfevalAsksFor) {
  for (const Sentence& s : kSentences) {
    EXPECT_EQ(DetectLanguage(s.text).code, s.language) << s.text;
    EXPECT_EQ(Check(s.language, s.text), CheckResult::kFollowed) << s.language;
    // The same text is not in another language (Marathi and Nepali share
    // Hindi's script; Portuguese and Spanish are close).
    const char* other = std::string(s.language) == "hi" ? "mr" : std::string(s.language) == "pt" ? "es" : "hi";
    EXPECT_EQ(Check(other, s.text), CheckResult::kNotFollowed) << s.language << " vs " << other;
  }
}

TEST(IfevalLanguage, MixedAndShortTexts) {
  // Mostly English with a Hindi phrase: English.
  EXPECT_EQ(Check("hi", "Sure! Here is my answer, written out in full for you, in the language you asked for: नमस्ते"),
            CheckResult::kNotFollowed);
  // No letters at all: the reference's detector raises and it counts as followed.
  EXPECT_EQ(Check("hi", "12345 !!! 678"), CheckResult::kFollowed);
  EXPECT_FALSE(DetectLanguage("12345 !!!").has_letters);
  // A best guess on a word or a looping answer, as langdetect guesses.
  EXPECT_EQ(Check("es", "Hola"), CheckResult::kFollowed);
  EXPECT_EQ(Check("de", "Hola"), CheckResult::kNotFollowed);
  EXPECT_EQ(Check("ar", "الأنبيا الأنبيا الأنبيا الأنبيا الأنبيا الأنبيا الأنبيا"), CheckResult::kFollowed);
  // Invalid UTF-8 is read up to the first bad byte, never past the buffer.
  EXPECT_EQ(DetectLanguage(std::string(kSentences[22].text) + "\xff\xfe").code, "en");
  // Loose variants apply as for every instruction.
  EXPECT_EQ(CheckLoose("language:response_language", json{{"language", "de"}},
                       "Sure, here it is:\n" + std::string(kSentences[6].text)),
            CheckResult::kFollowed);
}

TEST(IfevalLanguage, IsCheckedAndItsArgumentValidated) {
  const auto& ids = CheckedInstructionIds();
  EXPECT_NE(std::find(ids.begin(), ids.end(), "language:response_language"), ids.end());
  EXPECT_THROW(CheckStrict("language:response_language", json{{"language", nullptr}}, "text"), Error);  // missing
  EXPECT_THROW(CheckStrict("language:response_language", json{{"language", 3}}, "text"), Error);  // not a string
}

}  // namespace
}  // namespace entropix
