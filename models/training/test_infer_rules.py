"""Tests of infer.py's inference rules (interface 0.3) on the committed tiny random model.

  /usr/bin/python3 -m unittest discover -s models/training -p "test_*.py"

CI has no Python; these run where the recipe runs. The expected values are derived
independently of the code under test (a plain per-token decoding loop, the interface's own
message texts, hand-computed canvas sizes).
"""
from __future__ import annotations

import os
import sys
import unittest

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from export import load_onnx_weights  # noqa: E402
from infer import (FolderRules, PromptError, QuestionError, caption_prefix, check_prompt,  # noqa: E402
                   checked_vqa_prefix, encode, forced_caption_words, greedy_generate,
                   greedy_generate_scored, hires_pixels, mask_outputs, predict_masks, question_words,
                   seg_prompt)
from preprocess import MEAN, STD, fit_unit  # noqa: E402
from tokenizer import BOS, CAPTION, EOS, SEP, VQA  # noqa: E402

TINY = os.path.normpath(os.path.join(HERE, "..", "tiny-random"))


class TinyModel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model, cls.tok = load_onnx_weights(TINY)
        cls.rules = FolderRules.load(TINY)
        rng = np.random.default_rng(0)
        cls.unit = rng.random((30, 50), dtype=np.float32)  # non-square: padded under "fit": "pad"

    def pixel(self):
        x, content = fit_unit(self.unit, self.rules.image_size, self.rules.fit)
        return (x - MEAN) / STD, content

    def known_words(self, n):
        words = [w for w in self.tok.vocab if w.isalpha() and not w.startswith("<")]
        return (words * (n // len(words) + 1))[:n]

    # -- questions --
    def test_question_words_drop_punctuation(self):
        self.assertEqual(question_words("Is there a mass, left?"), ["is", "there", "a", "mass", "left"])

    def test_too_long_question_is_refused_not_cut(self):
        limit = self.rules.vqa["max_question_tokens"]
        q = " ".join(self.known_words(limit + 1)) + "?"
        with self.assertRaises(QuestionError) as e:
            checked_vqa_prefix(self.tok, q, self.rules)
        self.assertEqual(e.exception.kind, "too_long")
        self.assertEqual(str(e.exception), f"the question is too long: {limit + 1} words; the model reads at most {limit}")
        ok = " ".join(self.known_words(limit))
        self.assertEqual(len(checked_vqa_prefix(self.tok, ok, self.rules)), limit + 3)

    def test_mostly_unknown_question_is_refused(self):
        with self.assertRaises(QuestionError) as e:
            checked_vqa_prefix(self.tok, "Ist das ein normales Bild?", self.rules)
        self.assertEqual(e.exception.kind, "unreadable")
        self.assertTrue(str(e.exception).startswith("could not read the question: 5 of 5 words are not in the "
                                                    "model's vocabulary (first ones: ist, das, ein"))
        # exactly half unknown is NOT more than max_unknown_fraction 0.5: answered
        known = self.known_words(2)
        prefix = checked_vqa_prefix(self.tok, " ".join(known + ["zzqx", "qqzv"]), self.rules)
        self.assertEqual(prefix[:2], [BOS, VQA])
        self.assertEqual(prefix[-1], SEP)

    def test_empty_question_is_an_error(self):
        with self.assertRaises(QuestionError) as e:
            checked_vqa_prefix(self.tok, " ?! ", self.rules)
        self.assertEqual(e.exception.kind, "empty")

    # -- prompts --
    def test_unknown_prompt_names_the_supported_ones(self):
        self.assertEqual(check_prompt("  Left Lung ", self.rules.segment_prompts), "left lung")
        with self.assertRaises(PromptError) as e:
            check_prompt("banana", self.rules.segment_prompts)
        self.assertEqual(str(e.exception), 'unknown prompt "banana"; this model segments: lung, left lung, right lung')

    # -- captions --
    def test_forced_prefix_stops_at_first_unknown_slot(self):
        slots = ["modality", "plane"]
        self.assertEqual(forced_caption_words({"modality": "ct", "plane": "axial"}, slots), ["ct", ",", "axial", ","])
        self.assertEqual(forced_caption_words({"modality": "ct", "plane": "<unk>"}, slots), ["ct", ","])
        self.assertEqual(forced_caption_words({"modality": "<unk>", "plane": "axial"}, slots), [])
        self.assertEqual(forced_caption_words(None, slots), [])
        ids = caption_prefix(self.tok, {"modality": "ct", "plane": "axial"}, slots)
        self.assertEqual(ids[:2], [BOS, CAPTION])
        self.assertEqual(self.tok.decode(ids), "ct, axial,")
        self.assertEqual(caption_prefix(), [BOS, CAPTION])

    # -- answer probability --
    def test_sequence_probability_is_the_product_including_eos(self):
        x, _ = self.pixel()
        emb, _ = encode(self.model, x)
        prefix = checked_vqa_prefix(self.tok, "is there a mass?", self.rules)
        (tokens, prob), = greedy_generate_scored(self.model, emb, [prefix], 8, self.rules.max_len)
        # independent: re-run the full decoder per step (no cache), as the runtime does
        seq, expected, produced = list(prefix), 1.0, []
        with torch.no_grad():
            for _ in range(8):
                p = torch.softmax(self.model.text(torch.tensor([seq]), emb)[0, -1].double(), -1)
                nxt = int(p.argmax())
                expected *= float(p[nxt])
                seq.append(nxt)
                if nxt == EOS:
                    break
                produced.append(nxt)
        self.assertEqual(tokens, produced)
        self.assertAlmostEqual(prob, expected, delta=1e-6 * max(expected, 1e-30))
        self.assertEqual(greedy_generate(self.model, emb, [prefix], 8, self.rules.max_len), [tokens])

    def test_mixed_length_batch_equals_each_prefix_alone(self):
        x, _ = self.pixel()
        emb, _ = encode(self.model, x)
        questions = ["is there a mass?", "is this normal?", "where is the lesion in the left lung?", "what?"]
        prefixes = [checked_vqa_prefix(self.tok, q, self.rules) for q in questions]
        prefixes.append(caption_prefix(self.tok, {"modality": "ct", "plane": "axial"}, ["modality", "plane"]))
        prefixes.append(list(range(1, self.rules.max_len - 2)))  # 3 tokens of room: the max_len budget
        together = greedy_generate_scored(self.model, emb.expand(len(prefixes), -1, -1), prefixes, 8,
                                          self.rules.max_len)
        for p, (tokens, prob) in zip(prefixes, together):
            (alone_tokens, alone_prob), = greedy_generate_scored(self.model, emb, [p], 8, self.rules.max_len)
            self.assertEqual(tokens, alone_tokens)
            self.assertAlmostEqual(prob, alone_prob, delta=1e-5 * max(alone_prob, 1e-30))
        self.assertLessEqual(len(together[-1][0]), 3)

    # -- masks --
    def test_padded_mask_is_cropped_back_to_the_image(self):
        x, content = self.pixel()
        s = self.rules.image_size
        self.assertEqual(content, (int(np.floor(30 * s / 50 + 0.5)), s))  # 50 wide: width fills S
        self.assertTrue(torch.all(x[0, 0, content[0]:, :] == (0 - MEAN) / STD))  # padding rows
        emb, feat = encode(self.model, x)
        masks, present, prob = predict_masks(self.model, self.rules, seg_prompt(self.tok, "lung"), emb, feat,
                                             self.unit.shape, content)
        self.assertEqual(masks.shape, (1, 30, 50))
        self.assertEqual(len(prob), 1)
        self.assertIsNotNone(prob[0])  # the tiny 0.3 model has a presence head
        self.assertEqual(present[0], prob[0] >= self.rules.presence_threshold)

    def test_presence_below_threshold_empties_the_mask(self):
        x, content = self.pixel()
        emb, feat = encode(self.model, x)
        lenient = FolderRules(dict(self.rules.config, presence_threshold=0.0, mask_threshold=0.0),
                              {"fit": self.rules.fit})
        strict = FolderRules(dict(self.rules.config, presence_threshold=1.01, mask_threshold=0.0),
                             {"fit": self.rules.fit})
        pid = seg_prompt(self.tok, "lung")
        painted, present, _ = predict_masks(self.model, lenient, pid, emb, feat, self.unit.shape, content)
        self.assertTrue(present[0])
        self.assertTrue(painted[0].all())  # every probability >= 0
        empty, present, _ = predict_masks(self.model, strict, pid, emb, feat, self.unit.shape, content)
        self.assertFalse(present[0])
        self.assertFalse(empty[0].any())

    def test_header_ids_follow_the_folder_lists(self):
        values = self.rules.header_fusion["values"]
        ids = self.rules.header_ids_of({"modality": "ct", "plane": "axial", "body_part": "chest", "contrast": "<unk>"})
        self.assertEqual(ids, [values["modality"].index("ct"), values["plane"].index("axial"),
                               values["body_part"].index("chest"), 0])
        self.assertEqual(self.rules.header_ids_of(None), [0, 0, 0, 0])
        self.assertEqual(self.rules.header_ids_of({"modality": "pet"})[0], 0)  # not in the list -> 0
        x, _ = self.pixel()
        e0, _ = encode(self.model, x)
        e1, _ = encode(self.model, x, torch.tensor([ids]))
        self.assertFalse(torch.allclose(e0, e1))  # the header tokens reach the encoder


class RefinerModel(unittest.TestCase):
    """A model with the mask refiner (make_tiny.build_tiny(128)): masks at R = 128 from S = 64."""

    @classmethod
    def setUpClass(cls):
        from make_tiny import build_tiny
        cls.model, cls.tok = build_tiny(128)
        cls.model.eval()
        cls.rules = FolderRules({"image_size": 64, "max_text_len": 32, "mask_size": 128, "mask_threshold": 0.5,
                                 "presence_threshold": 0.5}, {"fit": "pad"})
        cls.unit = np.random.default_rng(1).random((30, 50), dtype=np.float32)

    def encoded(self):
        x, content = fit_unit(self.unit, 64, "pad")
        emb, feat = encode(self.model, (x - MEAN) / STD)
        return emb, feat, content

    def test_hires_pixels_are_the_image_at_r_with_its_own_content_box(self):
        x, content = hires_pixels(self.rules, [self.unit])
        self.assertEqual(tuple(x.shape), (1, 1, 128, 128))
        self.assertEqual(content, (int(np.floor(30 * 128 / 50 + 0.5)), 128))  # 77 rows of content
        self.assertTrue(torch.all(x[0, 0, 77:] == (0 - MEAN) / STD))  # the padding, normalised
        blank, _ = hires_pixels(self.rules, [self.unit], blank=True)
        self.assertTrue(torch.all(blank == 0))
        self.assertIsNone(hires_pixels(FolderRules({"image_size": 64, "max_text_len": 32}, {}), [self.unit]))

    def test_a_refiner_model_needs_the_hires_image(self):
        emb, feat, content = self.encoded()
        with self.assertRaises(ValueError):
            predict_masks(self.model, self.rules, seg_prompt(self.tok, "lung"), emb, feat, self.unit.shape, content)
        masks, _, _ = predict_masks(self.model, self.rules, seg_prompt(self.tok, "lung"), emb, feat, self.unit.shape,
                                    content, hires_pixels(self.rules, [self.unit]))
        self.assertEqual(masks.shape, (1, 30, 50))

    def test_a_fresh_refiner_is_bilinear_resizing(self):
        from model import VesaliusVLM
        fresh = VesaliusVLM(self.model.dims).eval()  # the refiner's last conv starts at zero
        emb, feat, _ = self.encoded()
        hires, _ = hires_pixels(self.rules, [self.unit])
        pid = seg_prompt(self.tok, "lung")
        low, _ = mask_outputs(fresh, pid, emb, feat)
        high, _ = mask_outputs(fresh, pid, emb, feat, hires)
        self.assertEqual(tuple(low.shape[-2:]), (64, 64))
        self.assertEqual(tuple(high.shape[-2:]), (128, 128))
        want = torch.nn.functional.interpolate(low, size=(128, 128), mode="bilinear", align_corners=False)
        self.assertTrue(torch.allclose(high, want, atol=1e-6))

    def test_the_refiner_survives_export_and_reload(self):
        import tempfile
        from export import export_folder
        emb, feat, _ = self.encoded()
        hires, _ = hires_pixels(self.rules, [self.unit])
        pid = seg_prompt(self.tok, "left lung")
        with tempfile.TemporaryDirectory() as d:
            export_folder(self.model, self.tok, d, {"test_only": True})
            back, _ = load_onnx_weights(d)
            rules = FolderRules.load(d)
        self.assertEqual(rules.mask_size, 128)
        self.assertIn("pixel_values_hires", rules.config["mask_decoder_inputs"])
        a, pa = mask_outputs(self.model, pid, emb, feat, hires)
        b, pb = mask_outputs(back, pid, emb, feat, hires)
        self.assertTrue(torch.allclose(a, b, atol=1e-6))
        self.assertTrue(torch.allclose(pa, pb, atol=1e-6))


class StretchFolder(unittest.TestCase):
    def test_a_0_2_folder_keeps_its_rules(self):
        rules = FolderRules({"image_size": 64, "max_text_len": 32, "segment_prompts": ["lung"]}, {})
        self.assertEqual(rules.fit, "stretch")
        self.assertIsNone(rules.header_ids_of({"modality": "ct"}))
        self.assertIsNone(rules.vqa)
        self.assertIsNone(rules.presence_threshold)


if __name__ == "__main__":
    unittest.main()
