"""Tests of the evaluation's figure definitions (caption_facts.py, vqa_eval.py, retrieval_eval.py).

  /usr/bin/python3 -m unittest discover -s models/training -p "test_*.py"
"""
from __future__ import annotations

import itertools
import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import caption_facts as cf  # noqa: E402
import retrieval_eval as re_  # noqa: E402
import vqa_eval  # noqa: E402


class CaptionFacts(unittest.TestCase):
    def test_first_sentence_only(self):
        self.assertEqual(cf.caption_facts("ct, axial, chest. lungs."),
                         {"modality": "ct", "plane": "axial", "region": "chest"})
        self.assertEqual(cf.caption_facts("x-ray, chest. no pneumothorax."),
                         {"modality": "x-ray", "plane": None, "region": "chest"})
        # a finding naming a modality or a region is not the caption's fact
        self.assertEqual(cf.caption_facts("head. no ct artefact in the chest."),
                         {"modality": None, "plane": None, "region": "head"})
        self.assertEqual(cf.caption_facts("mri, coronal, head."),
                         {"modality": "mri", "plane": "coronal", "region": "head"})

    def test_accuracy_over_items_whose_reference_states_the_slot(self):
        refs = [{"modality": "ct", "plane": "axial", "region": "chest"},
                {"modality": "ct", "plane": None, "region": "chest"},
                {"modality": None, "plane": None, "region": "head"}]
        gen = ["ct, axial, chest.", "abdomen.", "mri, head."]
        acc = cf.facts_accuracy(gen, refs)
        self.assertEqual(acc["modality"], {"accuracy": 0.5, "n": 2})  # the 2nd leaves it out: wrong
        self.assertEqual(acc["plane"], {"accuracy": 1.0, "n": 1})
        self.assertAlmostEqual(acc["region"]["accuracy"], 2 / 3)
        self.assertEqual(acc["modality_and_region"], {"accuracy": 0.5, "n": 2})

    def test_header_reference_facts(self):
        self.assertEqual(cf.header_reference_facts({"modality": "ct", "plane": "axial", "body_part": "<unk>",
                                                    "contrast": "contrast"}),
                         {"modality": "ct", "plane": "axial", "region": None})


class Calibration(unittest.TestCase):
    def test_lowest_threshold_reaching_the_target(self):
        # 30 answers at p = 0.9 all right, 30 at 0.5 with 6 right, 10 at 0.2 all wrong:
        # >= 0.2: 36/70; >= 0.5: 36/60 = 0.6; >= 0.9: 30/30 -> 0.9
        probs = [0.9] * 30 + [0.5] * 30 + [0.2] * 10
        ok = [True] * 30 + [True] * 6 + [False] * 24 + [False] * 10
        c = vqa_eval.calibrate_uncertain_below(probs, ok)
        self.assertEqual(c["answer_uncertain_below"], 0.9)
        self.assertEqual(c["val_answers_at_or_above"], 30)

    def test_needs_enough_answers(self):
        probs = [0.95] * (vqa_eval.MIN_ANSWERS - 1) + [0.1] * 50
        ok = [True] * (vqa_eval.MIN_ANSWERS - 1) + [False] * 50
        self.assertIsNone(vqa_eval.calibrate_uncertain_below(probs, ok)["answer_uncertain_below"])

    def test_probability_report_splits_at_the_threshold(self):
        r = vqa_eval.probability_report([0.9, 0.8, 0.3], [True, False, False], 0.5)
        self.assertEqual(r["confident"], {"n": 2, "accuracy": 0.5})
        self.assertEqual(r["uncertain"], {"n": 1, "accuracy": 0.0})

    def test_probes_hold_a_500_character_question(self):
        self.assertTrue(any(len(q) >= 500 for _, q in vqa_eval.REFUSAL_PROBES))


class Retrieval(unittest.TestCase):
    def test_random_baseline_is_the_expectation_over_all_rankings(self):
        n = 5
        ranks = [perm.index(0) + 1 for perm in itertools.permutations(range(n))]
        r = re_.random_ranking(n)
        self.assertAlmostEqual(r["mrr"], float(np.mean([1 / k for k in ranks])))
        self.assertAlmostEqual(r["recall_at_k"]["1"], float(np.mean([k <= 1 for k in ranks])))
        self.assertEqual(r["recall_at_k"]["10"], 1.0)

    def test_ties_count_against_the_model(self):
        e = np.eye(3)
        texts = np.array([[1.0, 0, 0], [1.0, 0, 0], [0, 0, 1.0]])  # texts 0 and 1 identical
        rep = re_.retrieval_report(e, texts, ["a", "a", "c"])
        # similarity [[1,1,0],[0,0,0],[0,0,1]]: image 0 ties with text 1 -> rank 2; image 1 scores 0
        # on every text -> rank 3; image 2 -> rank 1
        self.assertEqual(rep["distinct_texts"], 2)
        self.assertAlmostEqual(rep["image_to_text"]["recall_at_k"]["1"], 1 / 3)
        self.assertAlmostEqual(rep["image_to_text"]["mrr"], (1 / 2 + 1 / 3 + 1) / 3)

    def test_classify_and_scores(self):
        classes = ["ct", "mri"]
        class_e = np.array([[1.0, 0.0], [0.0, 1.0]])
        image_e = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
        pred = re_.classify(image_e, class_e, classes)
        self.assertEqual(pred, ["ct", "mri", "ct"])
        s = re_.scores(["ct", "mri", "mri"], pred)
        self.assertAlmostEqual(s["accuracy"], 2 / 3)
        # F1 ct = 2/(2+1) ; F1 mri = 2/(2+1)
        self.assertAlmostEqual(s["macro_f1"], 2 / 3)


class WriteCalibration(unittest.TestCase):
    def test_only_answer_uncertain_below_changes(self):
        import evaluate
        tiny = os.path.join(HERE, "..", "tiny-random", "config.json")
        with tempfile.TemporaryDirectory() as d:
            shutil.copy(tiny, os.path.join(d, "config.json"))
            with open(tiny) as f:
                before = json.load(f)
            evaluate.write_calibration(d, 0.42, None)
            with open(os.path.join(d, "config.json")) as f:
                after = json.load(f)
            self.assertEqual(after.pop("answer_uncertain_below"), 0.42)
            before.pop("answer_uncertain_below", None)
            self.assertEqual(after, before)
            evaluate.write_calibration(d, None, None)  # nothing qualified: the field goes
            with open(os.path.join(d, "config.json")) as f:
                self.assertNotIn("answer_uncertain_below", json.load(f))
            with self.assertRaises(SystemExit):
                evaluate.write_calibration(d, 0.5, 10)  # a --limit run never writes the folder


class SliceIou(unittest.TestCase):
    def test_an_empty_truth_and_empty_prediction_count_as_zero(self):
        from metrics import slice_iou, iou
        empty = np.zeros((4, 4), bool)
        self.assertIsNone(iou(empty, empty))
        self.assertEqual(slice_iou(empty, empty), 0.0)
        a = empty.copy(); a[0, :2] = True   # 2 px
        b = empty.copy(); b[0, 1:4] = True  # 3 px, 1 shared
        self.assertAlmostEqual(slice_iou(a, b), 1 / 4)


if __name__ == "__main__":
    unittest.main()
