"""Trains a SentencePiece unigram model with T5's layout (<pad> 0, </s> 1, <unk> 2, no <s>) on a small text made here,
writes FOLDER/spiece.model, and prints SentencePiece's own ids for each text as JSON.
Usage: sentencepiece_reference.py FOLDER TEXTS_JSON"""
import sys, json, os, random
import sentencepiece as spm

folder, texts = sys.argv[1], json.loads(sys.argv[2])
random.seed(0)
words = ("the cat sat on a mat and dog ran to park with his friend who said hello there how are you today "
         "I can't go Tom's house where it was raining, but we were happy.").split()
lines = [" ".join(random.choice(words) for _ in range(random.randint(3, 12))) for _ in range(2000)]
corpus = os.path.join(folder, "train.txt")
with open(corpus, "w") as f:
    f.write("\n".join(lines))
spm.SentencePieceTrainer.train(input=corpus, model_prefix=os.path.join(folder, "spiece"), vocab_size=150, model_type="unigram",
                               pad_id=0, eos_id=1, unk_id=2, bos_id=-1, character_coverage=1.0, hard_vocab_limit=False, minloglevel=2)
processor = spm.SentencePieceProcessor(model_file=os.path.join(folder, "spiece.model"))
print(json.dumps({"pieces": processor.get_piece_size(), "ids": [processor.encode(t) for t in texts]}))
