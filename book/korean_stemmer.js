/*
 * The Korean search stemmer in the browser (book/korean_search.py builds it into the site's
 * language_data.js after Sphinx's Snowball English stemmer, and fills in the particles).
 * A word with Hangul loses one trailing particle (the longest that leaves something);
 * a word without Hangul goes to the English stemmer. It must agree with SearchKorean.stem.
 */
var KOREAN_PARTICLES = PARTICLES_FROM_PYTHON;
var HANGUL = /[\uac00-\ud7a3]/;
var Stemmer = function () {
  var english = new EnglishStemmer();
  this.stemWord = function (w) {
    w = w.toLowerCase();
    if (HANGUL.test(w)) {
      for (var i = 0; i < KOREAN_PARTICLES.length; i++) {
        var p = KOREAN_PARTICLES[i];
        if (w.length > p.length && w.endsWith(p)) {
          w = w.slice(0, w.length - p.length);
          break;
        }
      }
      if (HANGUL.test(w)) return w;
    }
    return english.stemWord(w);
  };
};
