#!/usr/bin/python3
"""Random MRZ-like lines in the real layouts (TD1, TD2, TD3, MRV), with
fictitious content and correct check digits: text for training and for
held-out evaluation. No real personal data."""
import argparse
import random

W = [7, 3, 1]
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STATES = ["D<<", "FRA", "NLD", "BEL", "ITA", "ESP", "GBR", "USA", "CAN", "POL", "SWE", "AUT", "CHE", "UTO", "GRC",
          "PRT", "IRL", "DNK", "NOR", "FIN", "JPN", "BRA", "IND", "MEX", "ZAF", "NGA", "KEN", "EGY", "TUR", "UKR"]


def val(c):
    return 0 if c == "<" else int(c) if c.isdigit() else ord(c) - 55


def cd(s):
    return str(sum(val(c) * W[i % 3] for i, c in enumerate(s)) % 10)


def word(r, lo, hi):
    return "".join(r.choice(LETTERS) for _ in range(r.randint(lo, hi)))


def name(r, width):
    parts = [word(r, 2, 12)]
    if r.random() < 0.3:
        parts.append(word(r, 2, 9))
    given = [word(r, 2, 10) for _ in range(r.randint(1, 3))]
    s = "<".join(parts) + "<<" + "<".join(given)
    return s[:width].ljust(width, "<")


def date(r):
    return "%02d%02d%02d" % (r.randint(0, 99), r.randint(1, 12), r.randint(1, 28))


def lines(r):
    st, nat = r.choice(STATES), r.choice(STATES)
    num = "".join(r.choice(ALNUM) for _ in range(9))
    b, e = date(r), date(r)
    sex = r.choice("MF<X")
    kind = r.randint(0, 4)
    if kind == 0:  # TD3
        pn = "".join(r.choice(ALNUM + "<<<<<") for _ in range(14))
        l2 = num + cd(num) + nat + b + cd(b) + sex + e + cd(e) + pn + cd(pn)
        l2 += cd(l2[0:10] + l2[13:20] + l2[21:43])
        return ["P<" + st + name(r, 39), l2]
    if kind == 1:  # TD1
        opt = "".join(r.choice(ALNUM + "<<<<<<<<") for _ in range(15))
        l1 = "I<" + st + num + cd(num) + opt
        opt2 = "<" * 11
        l2 = b + cd(b) + sex + e + cd(e) + nat + opt2
        l2 += cd(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
        return [l1, l2, name(r, 30)]
    if kind == 2:  # TD2
        opt = "<" * 7
        l2 = num + cd(num) + nat + b + cd(b) + sex + e + cd(e) + opt
        l2 += cd(l2[0:10] + l2[13:20] + l2[21:35])
        return ["I<" + st + name(r, 31), l2]
    if kind == 3:  # MRV-A
        return ["V<" + st + name(r, 39), num + cd(num) + nat + b + cd(b) + sex + e + cd(e) + "<" * 16]
    return ["V<" + st + name(r, 31), num + cd(num) + nat + b + cd(b) + sex + e + cd(e) + "<" * 8]


def texts(r, n):
    """The first `n` lines of random documents (several lines each)."""
    out = []
    while len(out) < n:
        out.extend(lines(r))
    return out[:n]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--lines", type=int, default=400)
    a = p.parse_args()
    r = random.Random(a.seed)
    out = []
    while len(out) < a.lines:
        out.extend(lines(r))
    print("\n".join(out[: a.lines]))


if __name__ == "__main__":
    main()
