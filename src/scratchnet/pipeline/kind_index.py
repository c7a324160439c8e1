"""Which module holds each kind: kind name -> module of its package (``run`` kinds in
:mod:`scratchnet.pipeline.kinds`, ``analysis`` kinds in :mod:`scratchnet.pipeline.analyses`, ``figure`` kinds in
:mod:`scratchnet.pipeline.figures`). The registry imports only the module of the kind it is asked for, so a job
never imports the other kinds (nor scikit-learn, matplotlib or SciPy when its own kind does not use them).

A static table, kept true by ``tests/test_kind_index.py`` (every module of the three packages imported, every
registration compared with this table, naming any line missing or wrong). After adding a kind, add its line here."""

from __future__ import annotations

PACKAGES: dict[str, str] = {
    "run": "scratchnet.pipeline.kinds",
    "analysis": "scratchnet.pipeline.analyses",
    "figure": "scratchnet.pipeline.figures",
}

KIND_MODULES: dict[str, dict[str, str]] = {
    "run": {
        "mnist_autoencoder": "autoencoder",
        "engine_grid_config": "cross_validated_grid",
        "sklearn_grid_config": "cross_validated_grid",
        "logistic_regression": "engine",
        "mlp_classifier": "engine",
        "mlp_regressor": "engine",
        "perceptron": "engine",
        "mlp_autoencoder": "regressor_autoencoders",
        "sklearn_autoencoder": "regressor_autoencoders",
        "sklearn_mlp": "sklearn_mlp",
    },
    "analysis": {
        "ae_interpolation": "ae_codes",
        "ae_knn_codes": "ae_codes",
        "ae_tsne": "ae_codes",
        "ae_denoising": "ae_denoise",
        "ae_grid": "autoencoders",
        "ae_reconstructions": "autoencoders",
        "backprop_step": "backprop_step",
        "curve_numbers": "curve_numbers",
        "feature_classifier": "feature_classifier",
        "grid_search_table": "grid_search",
        "majority_share": "majority_share",
        "runs_over_seeds": "run_statistics",
        "sweep_stats": "run_statistics",
        "hard_margin_svm": "svm",
    },
    "figure": {
        "ae_embedding": "autoencoders",
        "ae_heatmap": "autoencoders",
        "ae_image_matrix": "autoencoders",
        "ae_image_pairs": "autoencoders",
        "ae_table_curves": "autoencoders",
        "confusion": "classification",
        "probability_histogram": "classification",
        "roc": "classification",
        "scatter": "classification",
        "box_runs": "distributions",
        "iqm_runs": "distributions",
        "grid_search_bars": "grid_search",
        "examples": "images",
        "misclassified": "images",
        "random_images": "images",
        "reconstructions": "images",
        "svm_margins": "svm",
        "curves_by_experiment": "training_curves",
        "epoch_curves": "training_curves",
        "loss_panel_grid": "training_curves",
        "running_cost": "training_curves",
        "stopping_signal": "training_curves",
    },
}
