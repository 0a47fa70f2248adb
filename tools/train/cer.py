#!/usr/bin/python3
"""Character error rate of OCR lines against ground truth (Levenshtein
distance over characters), shared by eval_lines.sh and train_lstm_model.sh."""


def dist(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def report(label, pairs):
    """Prints lines, exact lines and CER for (wanted, got) line pairs."""
    chars = errors = lines = exact = 0
    for want, got in pairs:
        chars += len(want)
        errors += dist(want, got)
        lines += 1
        exact += want == got
    print("%s lines: %d, exact lines: %.1f%%, character error rate: %.2f%%"
          % (label, lines, 100.0 * exact / lines, 100.0 * errors / chars))
