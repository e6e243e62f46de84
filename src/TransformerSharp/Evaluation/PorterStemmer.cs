namespace TransformerSharp.Evaluation;

/// <summary>
/// Porter's stemmer (1980) in NLTK's default mode (NLTK_EXTENSIONS), which is what Google's rouge_score uses with
/// use_stemmer=True: the published algorithm plus NLTK's irregular forms, short-word and "-ies"/"-ied" handling, and
/// its extra step-2 rules (alli, fulli, logi). Input is expected in lower case.
/// </summary>
public static class PorterStemmer
{
    static readonly Dictionary<string, string> Irregular = new()
    {
        ["sky"] = "sky", ["skies"] = "sky", ["dying"] = "die", ["lying"] = "lie", ["tying"] = "tie", ["news"] = "news",
        ["innings"] = "inning", ["inning"] = "inning", ["outings"] = "outing", ["outing"] = "outing", ["cannings"] = "canning",
        ["canning"] = "canning", ["howe"] = "howe", ["proceed"] = "proceed", ["exceed"] = "exceed", ["succeed"] = "succeed",
    };

    /// <summary>A suffix rule: replace the suffix when the condition holds for the stem; a matching suffix ends the rule list either way.</summary>
    readonly record struct Rule(string Suffix, string Replacement, Func<string, bool>? Condition = null);

    public static string Stem(string word)
    {
        if (Irregular.TryGetValue(word, out var irregular)) return irregular;
        if (word.Length <= 2) return word;
        string stem = Step1a(word);
        stem = Step1b(stem);
        stem = Apply(stem, new Rule("y", "i", s => s.Length > 1 && IsConsonant(s, s.Length - 1)));
        stem = Step2(stem);
        stem = Apply(stem, Step3Rules);
        stem = Apply(stem, Step4Rules);
        stem = Step5a(stem);
        return Apply(stem, new Rule("ll", "l", s => Measure(stem[..^1]) > 1));
    }

    static bool IsConsonant(string word, int i) => word[i] switch
    {
        'a' or 'e' or 'i' or 'o' or 'u' => false,
        'y' => i == 0 || !IsConsonant(word, i - 1),
        _ => true,
    };

    /// <summary>m in [C](VC)^m[V]: how many vowel–consonant sequences the stem has.</summary>
    static int Measure(string stem)
    {
        int m = 0;
        for (int i = 1; i < stem.Length; i++)
            if (IsConsonant(stem, i) && !IsConsonant(stem, i - 1)) m++;
        return m;
    }

    static bool Positive(string stem) => Measure(stem) > 0;
    static bool ContainsVowel(string stem) => Enumerable.Range(0, stem.Length).Any(i => !IsConsonant(stem, i));
    static bool EndsDoubleConsonant(string w) => w.Length >= 2 && w[^1] == w[^2] && IsConsonant(w, w.Length - 1);

    /// <summary>*o: consonant–vowel–consonant, the last not w, x or y (NLTK also counts a two-letter vowel–consonant word).</summary>
    static bool EndsCvc(string w) =>
        (w.Length >= 3 && IsConsonant(w, w.Length - 3) && !IsConsonant(w, w.Length - 2) && IsConsonant(w, w.Length - 1) && w[^1] is not ('w' or 'x' or 'y'))
        || (w.Length == 2 && !IsConsonant(w, 0) && IsConsonant(w, 1));

    static string Apply(string word, params Rule[] rules)
    {
        foreach (var rule in rules)
        {
            if (rule.Suffix == "*d")
            {
                if (!EndsDoubleConsonant(word)) continue;
                string doubled = word[..^2];
                return rule.Condition is null || rule.Condition(doubled) ? doubled + rule.Replacement : word;
            }
            if (!word.EndsWith(rule.Suffix, StringComparison.Ordinal)) continue;
            string stem = word[..^rule.Suffix.Length];
            return rule.Condition is null || rule.Condition(stem) ? stem + rule.Replacement : word;
        }
        return word;
    }

    static string Step1a(string word) => word.EndsWith("ies", StringComparison.Ordinal) && word.Length == 4
        ? word[..^3] + "ie"
        : Apply(word, new Rule("sses", "ss"), new Rule("ies", "i"), new Rule("ss", "ss"), new Rule("s", ""));

    static string Step1b(string word)
    {
        if (word.EndsWith("ied", StringComparison.Ordinal)) return word[..^3] + (word.Length == 4 ? "ie" : "i");
        if (word.EndsWith("eed", StringComparison.Ordinal)) return Measure(word[..^3]) > 0 ? word[..^3] + "ee" : word;
        string? stem = null;
        foreach (string suffix in new[] { "ed", "ing" })
            if (word.EndsWith(suffix, StringComparison.Ordinal) && ContainsVowel(word[..^suffix.Length])) { stem = word[..^suffix.Length]; break; }
        if (stem is null) return word;
        char last = stem[^1];
        return Apply(stem, new Rule("at", "ate"), new Rule("bl", "ble"), new Rule("iz", "ize"),
            new Rule("*d", last.ToString(), _ => last is not ('l' or 's' or 'z')),
            new Rule("", "e", s => Measure(s) == 1 && EndsCvc(s)));
    }

    static string Step2(string word)
    {
        // NLTK applies alli → al first and, when it fires, runs step 2 again on the result.
        if (word.EndsWith("alli", StringComparison.Ordinal) && Positive(word[..^4])) return Step2(word[..^4] + "al");
        return Apply(word,
            new Rule("ational", "ate", Positive), new Rule("tional", "tion", Positive), new Rule("enci", "ence", Positive),
            new Rule("anci", "ance", Positive), new Rule("izer", "ize", Positive), new Rule("bli", "ble", Positive),
            new Rule("alli", "al", Positive), new Rule("entli", "ent", Positive), new Rule("eli", "e", Positive),
            new Rule("ousli", "ous", Positive), new Rule("ization", "ize", Positive), new Rule("ation", "ate", Positive),
            new Rule("ator", "ate", Positive), new Rule("alism", "al", Positive), new Rule("iveness", "ive", Positive),
            new Rule("fulness", "ful", Positive), new Rule("ousness", "ous", Positive), new Rule("aliti", "al", Positive),
            new Rule("iviti", "ive", Positive), new Rule("biliti", "ble", Positive), new Rule("fulli", "ful", Positive),
            // The l of logi stays with the stem for the measure, so that geo-logi and theo-logi stem like philo-logi.
            new Rule("logi", "log", _ => Positive(word[..^3])));
    }

    static readonly Rule[] Step3Rules =
    {
        new("icate", "ic", Positive), new("ative", "", Positive), new("alize", "al", Positive), new("iciti", "ic", Positive),
        new("ical", "ic", Positive), new("ful", "", Positive), new("ness", "", Positive),
    };

    static bool MeasureAbove1(string stem) => Measure(stem) > 1;

    static readonly Rule[] Step4Rules =
    {
        new("al", "", MeasureAbove1), new("ance", "", MeasureAbove1), new("ence", "", MeasureAbove1), new("er", "", MeasureAbove1),
        new("ic", "", MeasureAbove1), new("able", "", MeasureAbove1), new("ible", "", MeasureAbove1), new("ant", "", MeasureAbove1),
        new("ement", "", MeasureAbove1), new("ment", "", MeasureAbove1), new("ent", "", MeasureAbove1),
        new("ion", "", s => Measure(s) > 1 && s.Length > 0 && s[^1] is 's' or 't'),
        new("ou", "", MeasureAbove1), new("ism", "", MeasureAbove1), new("ate", "", MeasureAbove1), new("iti", "", MeasureAbove1),
        new("ous", "", MeasureAbove1), new("ive", "", MeasureAbove1), new("ize", "", MeasureAbove1),
    };

    static string Step5a(string word)
    {
        if (!word.EndsWith('e')) return word;
        string stem = word[..^1];
        int m = Measure(stem);
        return m > 1 || (m == 1 && !EndsCvc(stem)) ? stem : word;
    }
}
