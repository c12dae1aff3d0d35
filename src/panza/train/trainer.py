"""``panza train``: fine-tune the base model on the prepared emails (LoRA, RoSA or full), as a recipe.

A plain PyTorch loop rather than a framework trainer, because Panza needs things those make hard:
the loss only on the email tokens with the output head applied only there (most tokens are prompt),
length-bucketed batches (no compute on padding), RAFT re-sampling per epoch, exact resume after a
kill, and RoSA's mask warm-up. The recipe reads top to bottom as named steps; what differs between
LoRA, RoSA and full fine-tuning lives in :mod:`panza.train.methods`, memory tricks in
:mod:`panza.train.memory`, the loss in :mod:`panza.train.loss`, examples in :mod:`panza.train.data`
and run state in :mod:`panza.train.runs`; weight precision and the memory estimate in
:mod:`panza.train.precision`, several processes (torchrun / accelerate launch: DDP, FSDP) in
:mod:`panza.train.distributed`. Progress and logs go to stderr; the last line on stdout is the run
directory (a stable contract for scripts; under several processes only rank 0 prints it).
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import signal
import sys
import threading
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from panza.errors import PanzaError
from panza.jsonl import atomic_open
from panza.models.checkpoint import METRICS, RUN_CONFIG
from panza.train import distributed, loss, memory, precision, runs
from panza.train.data import Prepared, collate, epoch_examples, epoch_steps, prepare_examples, shared_prefix
from panza.train.health import DivergenceCheck, WeightCheck, weight_norm
from panza.train.methods import method_for
from panza.train.options import from_config

log = logging.getLogger(__name__)

OOM_FIX = ("lower finetuning.batch_size (raise finetuning.gradient_accumulation to keep the effective "
           "batch) or finetuning.micro_batch_tokens, turn on finetuning.gradient_checkpointing=true, or use "
           "finetuning=lora")


def main(cfg: Any) -> int:
    """CLI entry: train, then print the run directory as the last line of stdout."""
    world = distributed.from_env()
    logging.basicConfig(level=logging.INFO if world.main else logging.ERROR, format="%(message)s",
                        stream=sys.stderr)
    run_dir = train(cfg)
    if world.main:
        print(run_dir, flush=True)
    return 0


def train(cfg: Any) -> Path:
    """Train as configured; returns the run directory (with adapter/model, metrics and loss curve)."""
    return Recipe(cfg).run()


class Recipe:
    """One training run: set up data, run directory, model and optimizer; loop; save."""

    def __init__(self, cfg: Any) -> None:
        self.cfg = cfg
        self.opts = from_config(cfg)
        self.method = method_for(self.opts)
        self.prog = runs.Progress()
        self.health = DivergenceCheck(self.opts.diverge_factor)
        self.weights_health = WeightCheck(self.opts.diverge_weight_factor)
        self.counts = {"padded": 0, "real": 0, "passes": 0, "checkpointed": 0}

    def run(self) -> Path:
        self.setup_device()
        try:
            self.setup_data()
            self.check_memory()
            self.setup_run_dir()
            self.setup_model()
            self.setup_optimizer()
            self.restore()
            self.start_report()
            self.train_loop()
            return self.finish()
        finally:
            distributed.shutdown(self.world)

    # ---- setup ----------------------------------------------------------------------------------------
    def setup_device(self) -> None:
        import torch

        opts = self.opts
        self.world = distributed.from_env()
        cuda = torch.cuda.is_available()
        # several processes on one machine share its cores
        self.threads = opts.num_cpu_threads or max(1, memory.physical_cores() // self.world.local_size)
        torch.set_num_threads(self.threads)
        self.device = torch.device(f"cuda:{self.world.local_rank}" if cuda else "cpu")
        self.plan = precision.plan(opts.precision, opts.method, cuda, cuda and torch.cuda.is_bf16_supported())
        self.precision = self.plan.name
        if self.plan.compute_dtype != "fp32":
            dt = self.plan.torch_compute_dtype
            self.autocast: Any = lambda: torch.autocast(self.device.type, dtype=dt)
        else:
            self.autocast = contextlib.nullcontext
        self.scaler = torch.amp.GradScaler("cuda") if self.plan.grad_scaler else None
        self.method.check(self.device)
        self.engine: Any = None  # several processes: the DDP/FSDP module the loss goes through
        self.sharded = self.world.active and self.method.sharded
        distributed.init(self.world, cuda)

    def setup_data(self) -> None:
        from panza.config import cache_dir
        from panza.layout import DataLayout
        from panza.models.loading import load_tokenizer, model_path

        self.train_path = DataLayout.from_config(self.cfg).train
        if not self.train_path.is_file():
            raise PanzaError(f"no training data: {self.train_path} not found; run `panza prepare` first or pass "
                             "--data <prepared folder>")
        self.model_name = str(self.cfg.get("model") or "embedded")
        self.model_path = model_path(self.model_name, cache_dir(self.cfg))
        self.tokenizer = load_tokenizer(self.model_path)
        self.data: Prepared = prepare_examples(self.cfg, self.opts, self.tokenizer)
        # The preambles every example starts with run once per forward pass (HF's gradient checkpointing
        # drops the cache they are shared through; several processes split passes their own way).
        shared = (self.opts.shared_prefix and not self.world.active
                  and not memory.use_checkpointing(self.opts, self.device))
        self.prefix_len = shared_prefix([*self.data.plain, *self.data.with_rag, *self.data.test]) if shared else 0
        n = len(self.data.plain)
        self.steps_per_epoch = math.ceil(math.ceil(n / self.opts.batch_size) / self.opts.gradient_accumulation)
        self.total_steps = self.opts.duration.total_steps(self.steps_per_epoch)
        self.warmup = min(self.opts.warmup_steps(self.total_steps), self.total_steps)

    def setup_run_dir(self) -> None:
        """A new run directory, or the unfinished identical run to resume (unless told otherwise).

        Several processes: rank 0 chooses and writes it, the others are told where it is.
        """
        from panza.config import username

        opts = self.opts
        root = Path(str(self.cfg.get("checkpoint_dir") or "checkpoints")).expanduser()
        name = runs.run_name(username(self.cfg), self.model_name, opts.method, opts.lr, str(opts.duration),
                             opts.seed)
        self.signature = runs.signature(self.cfg, opts, self.model_path, self.train_path)
        if self.world.main:
            self._make_run_dir(root, name)
        if self.world.active:
            self.run_dir, self.resuming = distributed.broadcast(
                (self.run_dir, self.resuming) if self.world.main else None)

    def _make_run_dir(self, root: Path, name: str) -> None:
        from omegaconf import OmegaConf

        from panza.config import to_dict

        opts = self.opts
        run_dir: Path | None = None
        if opts.resume == "auto":
            run_dir = runs.find_resumable(root, name, self.signature)
        elif opts.resume not in ("false", "False", "no", "0"):
            run_dir = Path(opts.resume).expanduser()
            if not (run_dir / runs.RESUME_DIR / runs.STATE_FILE).is_file():
                raise PanzaError(f"finetuning.resume={run_dir}: no resume checkpoint there; pass an "
                                 "unfinished run directory, or finetuning.resume=auto")
        self.resuming = run_dir is not None
        self.run_dir = run_dir or runs.new_run_dir(root, name)
        with atomic_open(self.run_dir / RUN_CONFIG) as fh:  # 0600: it holds the user's addresses
            fh.write(OmegaConf.to_yaml(OmegaConf.create(to_dict(self.cfg))))

    def check_memory(self) -> None:
        """The memory estimate, from the model's config alone: a run that cannot fit stops here, before
        a run directory is made and minutes are spent loading."""
        shapes = precision.model_shapes(self.model_path)
        ckpt = memory.use_checkpointing(self.opts, self.device)
        runtime = None if self.device.type == "cuda" else precision.cpu_runtime_bytes()

        def estimate() -> Any:
            return precision.estimate(shapes, self.opts, self.plan, cuda=self.device.type == "cuda",
                                      checkpointing=ckpt, world_size=self.world.size, sharded=self.sharded,
                                      runtime=runtime, prefix=self.prefix_len)

        self.estimate = estimate()
        have, where = precision.available_bytes(self.device)
        if self.opts.micro_batch_auto:
            rest = self.estimate.total - self.estimate.activations
            free = precision.free_bytes(self.device) + (runtime or 0.0)  # the runtime is already in
            tokens = precision.auto_micro_batch_tokens(shapes, self.opts, self.plan, checkpointing=ckpt,
                                                       free=min(free, have), rest=rest)
            self.opts = replace(self.opts, micro_batch_tokens=tokens)
            self.estimate = estimate()
            log.info("micro_batch_tokens=auto: %d tokens per forward pass", tokens)
        opts = self.opts
        log.info("%s", precision.check_fits(self.estimate, opts, self.plan, have, where, self.world.size))

    def setup_model(self) -> None:
        """The base model in the planned precision with the method's trainable parts (fp32)."""
        import torch

        from panza.models.loading import load_causal_lm
        from panza.train.swiglu import lean_mlps

        opts, plan = self.opts, self.plan
        torch.manual_seed(opts.seed)
        random.seed(opts.seed)
        here = (self.device.index or 0) if self.device.type == "cuda" else "cpu"
        model = load_causal_lm(self.model_path, dtype=plan.torch_base_dtype, load_in_4bit=plan.four_bit,
                               device_map={"": here} if plan.four_bit else None)
        if not plan.four_bit:
            model.to(self.device)
        model.config.use_cache = False
        memory.enable_checkpointing(model, opts, self.device)
        lean_mlps(model)
        if opts.neftune_alpha:
            neftune(model, opts.neftune_alpha)
        self.model = self.method.wrap(model)
        for p in self.model.parameters():  # adapters are trained in fp32 over a bf16/fp16/4-bit base
            if p.requires_grad and p.is_floating_point() and p.dtype != torch.float32:
                p.data = p.data.float()
        self.model.train()

    def setup_optimizer(self) -> None:
        import torch

        opts = self.opts
        if self.sharded:  # FSDP shards the weights first: the optimizer steps the shards
            self.engine = distributed.fsdp(self.model)
        self.groups = self.method.param_groups(self.model)
        if self.world.active and not self.sharded:  # DDP registers what requires a gradient now
            self.engine = distributed.ddp(self.model, self.device, unused=self.method.unused_parameters)
            self.method.reduce_scores = distributed.all_sum_tensors
        self.trainable = [p for g in self.groups for p in g["params"]]
        self.optimizer = torch.optim.AdamW(self.groups, betas=opts.betas, eps=opts.eps,
                                           weight_decay=opts.weight_decay)
        if not self.sharded:
            memory.preallocate_training_state(self.groups, self.optimizer)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer,
                                                           loss.lr_lambda(self.total_steps, self.warmup))

    def restore(self) -> None:
        """Continue exactly where an interrupted identical run stopped (weights, optimizer, RNG)."""
        import torch

        state = runs.load_state(self.run_dir, self.device) if self.resuming else None
        if state is not None:
            self.method.load_trainable_state(self.model, state["trainable"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.scheduler.load_state_dict(state["scheduler"])
            self.prog = runs.Progress(**state["progress"])
            torch.set_rng_state(state["torch_rng"])
            if state.get("cuda_rng") is not None and torch.cuda.is_available():
                torch.cuda.set_rng_state_all(state["cuda_rng"])
            log.info("resuming %s at step %d/%d", self.run_dir, self.prog.global_step, self.total_steps)
        self.method.start(self.model, self.total_steps, state, self.prog.mask_chosen)

    def start_report(self) -> None:
        opts, data = self.opts, self.data
        n_trainable = sum(p.numel() for p in self.trainable)
        self.metrics: dict[str, Any] = {
            "status": "running", "signature": self.signature, "run_dir": str(self.run_dir),
            "method": opts.method, "base_model": self.model_path, "model": self.model_name,
            "device": str(self.device), "precision": self.precision, "threads": self.threads,
            "examples": len(data.plain), "test_examples": len(data.test), "steps_per_epoch": self.steps_per_epoch,
            "total_steps": self.total_steps, "warmup_steps": self.warmup, "trainable_params": n_trainable,
            "data": data.stats.as_dict(), "test_data": data.test_stats.as_dict(), "options": asdict(opts),
            "resume_saves": 0, "gradient_checkpointing": memory.use_checkpointing(opts, self.device),
            "world_size": self.world.size, "memory_estimate_mb": round(self.estimate.total / 2**20),
            **self.method.metrics(),
        }
        self._write_metrics()
        s = data.stats
        log.info("%s: %d examples (%d records; %d bad, %d too long, context cut: %d RAG, %d thread, %d preamble), "
                 "%d steps of %d x %d, %d trainable parameters, %d threads, %s %s", opts.method, len(data.plain),
                 s.records, s.skipped_bad, s.dropped_too_long, s.rag_dropped, s.thread_dropped, s.preamble_cut,
                 self.total_steps, opts.batch_size, opts.gradient_accumulation, n_trainable, self.threads,
                 self.device, self.precision)

    # ---- the loop -------------------------------------------------------------------------------------
    def train_loop(self) -> None:
        """Epochs of steps until the duration is reached; Ctrl-C and SIGTERM save and stop."""
        import torch
        from tqdm import tqdm

        prog = self.prog
        self.bar = tqdm(total=self.total_steps, initial=prog.global_step, desc=f"train {self.opts.method}",
                        file=sys.stderr, dynamic_ncols=True, mininterval=0.5, unit="step",
                        disable=not self.world.main)
        self.last_save = time.monotonic()
        self.started_here = 0
        self.rng_at_step = torch.get_rng_state()
        n_epochs = math.ceil(self.total_steps / self.steps_per_epoch)
        try:
            with _sigterm_as_interrupt():
                while prog.global_step < self.total_steps and prog.epoch < n_epochs and not prog.stopped_early:
                    examples = epoch_examples(self.data, self.opts, prog.epoch)
                    steps = epoch_steps(examples, self.opts, prog.epoch, self.prefix_len)
                    while prog.step_in_epoch < len(steps) and prog.global_step < self.total_steps:
                        self.rng_at_step = torch.get_rng_state()
                        self.step([[examples[i] for i in mb] for mb in steps[prog.step_in_epoch]])
                    if prog.step_in_epoch >= len(steps):
                        self.end_epoch()
        except KeyboardInterrupt:
            self.bar.close()
            self.optimizer.zero_grad(set_to_none=True)
            if not self.world.main:
                raise
            if not self.sharded:  # FSDP: no resume state (it would need every rank's shard)
                self.save_resume_state(self.rng_at_step)
            self.metrics.update(status="interrupted", global_step=prog.global_step)
            self._write_metrics()
            print(f"panza train: stopped at step {prog.global_step}/{self.total_steps}; saved {self.run_dir}; run "
                  "the same command again to resume", file=sys.stderr)
            raise
        except (torch.OutOfMemoryError, MemoryError) as e:
            self.bar.close()
            raise PanzaError(f"out of memory while training ({type(e).__name__}); {OOM_FIX}") from None
        except RuntimeError as e:
            self.bar.close()
            if "out of memory" in str(e) or "can't allocate memory" in str(e):
                raise PanzaError(f"out of memory while training; {OOM_FIX}") from None
            raise
        self.bar.close()
        if self.method.finish():  # a very short run: choose RoSA's masks anyway so the adapter is complete
            prog.mask_chosen = True

    def step(self, passes: list[list[Any]]) -> None:
        """One optimizer step over forward passes whose gradients add up to the batch's."""
        import torch

        opts, prog, c = self.opts, self.prog, self.counts
        n_tgt = sum(e.n_target for mb in passes for e in mb)  # of the whole (global) step
        ntok = sum(len(e.input_ids) for mb in passes for e in mb)
        t0 = time.perf_counter()
        step_loss, step_tok = 0.0, 0
        long_ckpt = memory.checkpoint_long_passes(opts, self.device)
        scale = 1.0 / max(n_tgt, 1)
        mine = passes
        if self.world.active:  # this rank's share; DDP averages over ranks, so scale the sum back up
            mine, idle = distributed.shard_step(passes, self.world, lambda e: len(e.input_ids),
                                                opts.micro_batch_tokens)
            scale = 0.0 if idle else self.world.size / max(n_tgt, 1)
        for i, mb in enumerate(mine):
            c["passes"] += 1
            skip = self.prefix_len
            ids, labels = collate(mb, self.tokenizer.pad_token_id, skip)
            if long_ckpt:
                over = skip + ids.numel() > opts.micro_batch_tokens
                if over and skip:  # recomputed in backward: HF's checkpointing would drop the shared prefix
                    skip = 0
                    ids, labels = collate(mb, self.tokenizer.pad_token_id)
                memory.set_checkpointing(self.model, over)
                c["checkpointed"] += over
            prefix = torch.tensor(mb[0].input_ids[:skip], device=self.device) if skip else None
            c["padded"] += ids.numel() + skip
            c["real"] += sum(len(e.input_ids) - skip for e in mb) + skip
            sync = self.engine is None or self.sharded or i == len(mine) - 1 or not hasattr(self.engine, "no_sync")
            with contextlib.nullcontext() if sync else self.engine.no_sync():
                with self.autocast():
                    if self.engine is not None:
                        ls, k = self.engine(ids.to(self.device), labels.to(self.device))
                        k = int(k)
                    else:
                        ls, k = loss.loss_sum(self.model, ids.to(self.device), labels.to(self.device), prefix)
                obj = ls * scale
                (self.scaler.scale(obj) if self.scaler is not None else obj).backward()
            if scale:
                step_loss += float(ls.detach())
                step_tok += k
        if self.world.active:  # the step's loss over every rank's examples
            step_loss, tot = distributed.all_sum([step_loss, float(step_tok)], self.device)
            step_tok = int(tot)
        if self.scaler is not None:
            self.scaler.unscale_(self.optimizer)
        grad_norm = None
        if opts.max_grad_norm > 0:
            gn = torch.nn.utils.clip_grad_norm_(self.trainable, opts.max_grad_norm)
            grad_norm = float(gn.full_tensor() if hasattr(gn, "full_tensor") else gn)
        why = self.health.observe(step_loss / max(step_tok, 1), grad_norm)
        if why is not None:
            self.fail(f"training diverged at step {prog.global_step + 1}: {why}; lower finetuning.lr (now "
                      f"{opts.lr:g}) or raise finetuning.warmup")
        # the adapter's weight norm (FSDP shards it across ranks: each rank would judge its own shard)
        check_weights = not self.sharded
        if check_weights and self.weights_health.start is None:  # the norm before the first update
            self.weights_health.observe(weight_norm(self.trainable))
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        why = self.weights_health.observe(weight_norm(self.trainable)) if check_weights else None
        if why is not None:
            self.fail(f"training diverged at step {prog.global_step + 1}: {why}; lower finetuning.lr (now "
                      f"{opts.lr:g}) or raise finetuning.warmup")
        self.scheduler.step()
        memory.zero_grads(self.groups)
        memory.release_freed_memory()
        dt = time.perf_counter() - t0
        prog.global_step += 1
        prog.step_in_epoch += 1
        self.started_here += 1
        prog.train_seconds += dt
        prog.tokens += ntok
        prog.target_tokens += step_tok
        step_mean = step_loss / max(step_tok, 1)
        prog.epoch_loss_sum += step_loss
        prog.epoch_loss_tokens += step_tok
        prog.history.append({"step": prog.global_step, "loss": step_mean, "lr": self.scheduler.get_last_lr()[0],
                             "epoch": prog.epoch, "tokens": ntok, "seconds": round(dt, 3),
                             "peak_rss_mb": round(memory.peak_rss_mb())})
        if self.method.after_step(prog.global_step):
            prog.mask_chosen = True
            if self.engine is not None and not self.sharded:  # RoSA's values changed size: new DDP buckets
                distributed.release_ddp(self, "engine")  # the old reducer must be gone first
                self.engine = distributed.ddp(self.model, self.device)
        self.bar.update(1)
        self.bar.set_postfix(loss=f"{step_mean:.3f}", ppl=f"{math.exp(min(step_mean, 50)):.2f}",
                             tok_s=f"{prog.tokens / max(prog.train_seconds, 1e-9):.0f}", refresh=False)
        self.maybe_save()
        if opts.debug_interrupt_after_steps and self.started_here >= opts.debug_interrupt_after_steps:
            self.rng_at_step = torch.get_rng_state()
            raise KeyboardInterrupt  # a test hook: behaves exactly like Ctrl-C here

    def end_epoch(self) -> None:
        """Epoch loss, test perplexity every ``eval_interval`` epochs, early stop at ``stop_at_ppl``."""
        opts, prog = self.opts, self.prog
        ep_loss = prog.epoch_loss_sum / max(prog.epoch_loss_tokens, 1)
        prog.last_epoch_loss = ep_loss
        prog.epoch += 1
        prog.step_in_epoch = 0
        prog.epoch_loss_sum, prog.epoch_loss_tokens = 0.0, 0
        if self.data.test and opts.eval_interval and prog.epoch % opts.eval_interval == 0 \
                and prog.global_step < self.total_steps:
            tl, tp = self.evaluate()
            prog.evals.append({"step": prog.global_step, "epoch": prog.epoch, "loss": tl, "ppl": tp})
            log.info("epoch %d: train ppl %.3f, test ppl %.3f", prog.epoch, math.exp(min(ep_loss, 50)), tp)
        if opts.stop_at_ppl and math.exp(min(ep_loss, 50)) <= opts.stop_at_ppl:
            prog.stopped_early = True
            log.info("train perplexity %.3f <= stop_at_ppl=%g after epoch %d: stopping early",
                     math.exp(ep_loss), opts.stop_at_ppl, prog.epoch)

    def evaluate(self) -> tuple[float, float]:
        fwd = self.engine.module if self.engine is not None and not self.sharded else self.engine
        return loss.evaluate(self.model, self.data.test, self.opts.eval_batch_size, self.tokenizer.pad_token_id,
                             self.device, self.autocast, forward=fwd, prefix=self.prefix_len)

    # ---- saving ---------------------------------------------------------------------------------------
    def fail(self, message: str) -> None:
        """Stop a run whose weights are broken: marked failed (never ``latest``, never resumed), no resume state."""
        self.bar.close()
        self.metrics.update(status="failed", error=message, global_step=self.prog.global_step,
                            history=self.prog.history)
        self._write_metrics()
        if self.world.main:
            runs.remove_resume(self.run_dir)
        raise PanzaError(f"{message}; the run is kept as failed in {self.run_dir}")

    def maybe_save(self) -> None:
        opts, prog = self.opts, self.prog
        due = (opts.save_every_steps and prog.global_step % opts.save_every_steps == 0) or (
            opts.save_every_s and time.monotonic() - self.last_save >= opts.save_every_s)
        if due and prog.global_step < self.total_steps and self.world.main and not self.sharded:
            import torch

            self.save_resume_state(torch.get_rng_state())
            self.last_save = time.monotonic()
            self.metrics["resume_saves"] += 1

    def save_resume_state(self, rng_state: Any) -> None:
        runs.save_state(self.run_dir, self.method.trainable_state(self.model), self.optimizer, self.scheduler,
                        self.prog, rng_state, self.method.resume_state())

    def finish(self) -> Path:
        """Final test loss, the model and tokenizer, the loss curve and the metrics; resume state removed."""
        import torch

        prog, c = self.prog, self.counts
        if prog.epoch_loss_tokens:  # a step-limited run ended inside an epoch
            prog.last_epoch_loss = prog.epoch_loss_sum / prog.epoch_loss_tokens
        train_loss = prog.last_epoch_loss if prog.last_epoch_loss is not None else float("nan")
        test_loss, test_ppl = self.evaluate()
        if self.data.test:
            prog.evals.append({"step": prog.global_step, "epoch": prog.epoch, "loss": test_loss, "ppl": test_ppl})
        if self.sharded:  # gather the shards (every rank takes part), rank 0 writes the whole model
            self._save_sharded()
        elif self.world.main:
            self.method.save(self.model, self.run_dir, self.model_path)
        if not self.world.main:
            return self.run_dir
        self.tokenizer.save_pretrained(str(self.run_dir))
        runs.plot_losses(prog, self.run_dir / "loss_curve.png", self.opts.method)
        tok_s = prog.tokens / max(prog.train_seconds, 1e-9)
        m = self.metrics
        m.update(
            status="done", global_step=prog.global_step, epochs_completed=prog.epoch,
            stopped_early=prog.stopped_early, train_loss=train_loss,
            train_ppl=math.exp(min(train_loss, 50)) if train_loss == train_loss else None,
            test_loss=test_loss if self.data.test else None, test_ppl=test_ppl if self.data.test else None,
            tokens=prog.tokens, target_tokens=prog.target_tokens, train_seconds=prog.train_seconds,
            tokens_per_s=tok_s, forward_passes=c["passes"], checkpointed_passes=c["checkpointed"],
            shared_prefix_tokens=self.prefix_len, micro_batch_tokens=self.opts.micro_batch_tokens,
            padding_fraction=(1 - c["real"] / c["padded"]) if c["padded"] else 0.0,
            peak_rss_mb=memory.peak_rss_mb(), evals=prog.evals, history=prog.history,
        )
        if self.device.type == "cuda":
            m["peak_gpu_mb"] = torch.cuda.max_memory_allocated(self.device) / 2**20
        self._write_metrics()
        runs.remove_resume(self.run_dir)
        log.info("done: %d steps, train ppl %s, test ppl %s, %.0f tokens/s, peak RSS %.0f MiB -> %s",
                 prog.global_step, _fmt(m["train_ppl"]), _fmt(m["test_ppl"]), tok_s, memory.peak_rss_mb(),
                 self.run_dir)
        return self.run_dir


    def _save_sharded(self) -> None:
        """FSDP: the full state gathered to rank 0's CPU, written as a plain Hugging Face model."""
        import torch
        from transformers import AutoConfig, AutoModelForCausalLM

        state = distributed.full_state_dict(self.engine)
        if not self.world.main:
            return
        state = {k.removeprefix("inner."): v for k, v in state.items()}
        with torch.device("meta"):
            plain = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(self.model_path))
        plain.load_state_dict(state, strict=False, assign=True)
        plain.tie_weights()
        self.method.save(plain, self.run_dir, self.model_path)

    def _write_metrics(self) -> None:
        if self.world.main:
            runs.write_json(self.run_dir / METRICS, self.metrics)


def neftune(model: Any, alpha: float) -> Any:
    """Add NEFTune noise to ``model``'s input embeddings in training mode: each value gets U(-1, 1) x
    alpha / sqrt(tokens x width) of the pass (Jain et al. 2023). Why: a model fine-tuned on a few hundred
    emails writes drafts shorter than the user's; the noise keeps it from fitting the exact embeddings,
    and the paper measured longer, fuller answers. Returns the hook's handle."""
    import torch

    def hook(module: Any, args: Any, out: Any) -> Any:
        if not module.training or out.dim() != 3:
            return out
        scale = alpha / (out.shape[1] * out.shape[2]) ** 0.5
        return out + torch.zeros_like(out).uniform_(-scale, scale)

    return model.get_input_embeddings().register_forward_hook(hook)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Any:
    """SIGTERM saves like Ctrl-C (only the main thread may set signal handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
